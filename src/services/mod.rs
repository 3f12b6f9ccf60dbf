//! Use cases: each takes a domain command, owns its transaction, and is called alike by
//! the HTML handlers, the JSON API and the command line. Routes parse and render; models
//! are rows and queries.

pub mod accounts;
pub mod captchas;
pub mod decisions;
pub mod drafts;
pub mod feedback;
pub mod intake;
pub mod invitations;
pub mod opinions;
pub mod outline;
pub mod password;
pub mod replies;
pub mod rounds;
pub mod versions;
