pub mod normalise;
pub mod sensitive;
pub mod similar;
pub mod wording_diff;
