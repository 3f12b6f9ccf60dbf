//! Tests against the running app: each test starts it on port 0 with a fresh database.
//!
//! SQLite by default; set `ZHENGQIU_TEST_DATABASE_URL` to a PostgreSQL server URL
//! (e.g. `postgres://postgres@127.0.0.1:5432/postgres`) to run every test on PostgreSQL,
//! each in a database of its own.

mod agencies;
mod audit;
mod captcha_questions;
mod charts;
mod cli;
mod consultations;
mod counters;
mod decision_sections;
mod departments;
mod feedback;
mod feeds;
mod groups;
mod helpers;
mod json_api;
mod listing;
mod logging;
mod materials;
mod notices;
mod open_data;
mod opinions;
mod outage;
mod outline;
mod page_text;
mod review;
mod rounds;
mod search;
mod sessions;
mod smtp;
mod staff;
mod staff_api;
mod staff_departments;
mod staff_intake;
mod staff_mail;
mod storage;
mod versions;
mod versions_api;
mod wording;
mod workbench;
