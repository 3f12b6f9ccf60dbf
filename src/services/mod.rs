//! Use cases: each takes a domain command, owns its transaction, and is called alike by
//! the HTML handlers, the JSON API and the command line. Routes parse and render; models
//! are rows and queries.

pub mod captchas;
pub mod opinions;
