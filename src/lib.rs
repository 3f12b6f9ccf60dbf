//! zhengqiu: a 征求意见 (public comment) service.

pub mod auth;
pub mod config;
pub mod db;
pub mod domain;
pub mod drafts;
pub mod error;
pub mod exports;
pub mod models;
pub mod routes;
pub mod seed;
pub mod startup;
pub mod text;
