//! zhengqiu: a 征求意见 (public comment) service.

pub mod access_log;
pub mod auth;
pub mod captcha;
pub mod codes;
pub mod config;
pub mod db;
pub mod domain;
pub mod drafts;
pub mod emails;
pub mod error;
pub mod exports;
pub mod groupings;
pub mod jobs;
pub mod links;
pub mod mail;
pub mod models;
pub mod page_cache;
pub mod qr;
pub mod rate_limit;
pub mod routes;
pub mod seed;
pub mod services;
pub mod startup;
pub mod state;
pub mod text;
