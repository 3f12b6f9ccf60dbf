//! The one module of the service the importer uses besides its own.

#[path = "../../src/text/normalise.rs"]
pub mod normalise;
