//! Domain values that parse their input; the rest of the code trusts them.

pub mod account;
pub mod adoption;
pub mod consultation;
pub mod contact;
pub mod fields;
pub mod masking;
pub mod receipt;
pub mod window;
