//! A circuit over the connection pool: once the database is known to be out of reach,
//! requests fail at once instead of each waiting out the pool's timeout; one request a
//! second tries again, and the first that gets a connection closes the circuit.

use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use diesel::ConnectionError;

/// How often a request is let through to try a database known to be down.
pub const RETRY_EVERY: Duration = Duration::from_secs(1);

/// Whether the database is known to be out of reach, and since when a request last tried it.
#[derive(Debug, Default)]
pub struct Circuit {
    /// Whether `state.down_since` is set, read without the lock: every connection handed
    /// out asks, and while the database answers the answer is always no.
    down: AtomicBool,
    state: Mutex<State>,
}

#[derive(Debug, Default)]
struct State {
    /// Set when a new connection could not be opened; cleared when one is handed out.
    down_since: Option<Instant>,
    last_try: Option<Instant>,
}

/// What a request may do about the database now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Turn {
    /// The database is thought to be up: wait for a connection as long as the pool allows.
    Wait,
    /// The database is down, and this request is the one this second that tries again.
    Retry,
    /// The database is down and another request tried it less than a second ago.
    Refuse,
}

impl Circuit {
    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Records that the database could not be reached.
    pub fn open(&self) {
        let mut state = self.state();
        if state.down_since.is_none() {
            state.down_since = Some(Instant::now());
            state.last_try = Some(Instant::now());
            self.down.store(true, Ordering::Release);
        }
    }

    /// Records that a connection was handed out.
    pub fn close(&self) {
        if !self.is_open() {
            return;
        }
        let mut state = self.state();
        self.down.store(false, Ordering::Release);
        if let Some(since) = state.down_since.take() {
            tracing::info!(down_for_ms = since.elapsed().as_millis() as u64, "the database answers again");
        }
    }

    pub fn is_open(&self) -> bool {
        self.down.load(Ordering::Acquire)
    }

    /// What the next request may do (taking the retry turn when it is due).
    pub fn turn(&self, now: Instant) -> Turn {
        if !self.is_open() {
            return Turn::Wait;
        }
        let mut state = self.state();
        if state.down_since.is_none() {
            return Turn::Wait;
        }
        match state.last_try {
            Some(last) if now.saturating_duration_since(last) < RETRY_EVERY => Turn::Refuse,
            _ => {
                state.last_try = Some(now);
                Turn::Retry
            }
        }
    }
}

/// Told by the pool each time a new connection could not be opened: opens the circuit.
#[derive(Debug)]
pub struct OpenOnError(pub std::sync::Arc<Circuit>);

impl diesel::r2d2::HandleError<ConnectionError> for OpenOnError {
    fn handle_error(&self, error: ConnectionError) {
        if !self.0.is_open() {
            tracing::error!(error = %error, "cannot open a database connection: failing requests fast until it answers");
        }
        self.0.open();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_closed_circuit_lets_every_request_wait() {
        let circuit = Circuit::default();
        assert_eq!(circuit.turn(Instant::now()), Turn::Wait);
        assert_eq!(circuit.turn(Instant::now()), Turn::Wait);
    }

    #[test]
    fn an_open_circuit_lets_one_request_a_second_retry() {
        let circuit = Circuit::default();
        circuit.open();
        let opened = Instant::now();
        assert_eq!(circuit.turn(opened), Turn::Refuse, "the failure that opened it was the try");
        let later = opened + RETRY_EVERY + Duration::from_millis(1);
        assert_eq!(circuit.turn(later), Turn::Retry);
        assert_eq!(circuit.turn(later + Duration::from_millis(10)), Turn::Refuse);
        assert_eq!(circuit.turn(later + RETRY_EVERY), Turn::Retry);
        circuit.close();
        assert_eq!(circuit.turn(later + RETRY_EVERY), Turn::Wait);
    }
}
