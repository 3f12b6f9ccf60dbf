//! Domain values that parse their input; the rest of the code trusts them.

pub mod account;
pub mod adoption;
pub mod agency;
pub mod api_token;
pub mod consultation;
pub mod contact;
pub mod decision;
pub mod department;
pub mod department_reply;
pub mod fields;
pub mod ids;
pub mod intake;
pub mod listing;
pub mod masking;
pub mod material;
pub mod opinion;
pub mod receipt;
pub mod scan;
pub mod source;
pub mod window;
pub mod wording;
