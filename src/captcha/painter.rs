//! Drawing captcha images on threads of their own, one per core, at a low CPU priority:
//! when nothing else runs they use the whole machine, and when pages are being served
//! the scheduler gives those first call, so a flood of captcha requests cannot take the
//! site down with it. The queue is bounded: past it, a request is told to try again.

use std::sync::{Arc, Mutex, mpsc};

use super::{Drawn, draw_image};

/// The nice value of the drawing threads (0 is normal, 19 the lowest).
const NICENESS: i32 = 10;

type Job = Box<dyn FnOnce() + Send>;

/// Why no image was drawn.
#[derive(Debug, thiserror::Error)]
pub enum PaintError {
    #[error("too many captcha images are waiting to be drawn")]
    Busy,
    #[error("the captcha image could not be drawn: {0}")]
    Failed(anyhow::Error),
}

pub struct Painter {
    sender: mpsc::SyncSender<Job>,
}

impl Painter {
    /// `threads` drawing threads and room for `queue` waiting requests.
    pub fn start(threads: usize, queue: usize) -> Painter {
        let (sender, receiver) = mpsc::sync_channel::<Job>(queue);
        let receiver = Arc::new(Mutex::new(receiver));
        for n in 0..threads.max(1) {
            let receiver = receiver.clone();
            let spawned = std::thread::Builder::new().name(format!("zhengqiu-captcha-{n}")).spawn(move || {
                lower_priority();
                loop {
                    let job = match receiver.lock() {
                        Ok(r) => match r.recv() {
                            Ok(job) => job,
                            Err(_) => return,
                        },
                        Err(_) => return,
                    };
                    job();
                }
            });
            if let Err(err) = spawned {
                tracing::error!(error = %err, "could not start a captcha drawing thread");
            }
        }
        Painter { sender }
    }

    /// Draws one image challenge.
    pub async fn draw(&self) -> Result<Drawn, PaintError> {
        let (tx, rx) = tokio::sync::oneshot::channel();
        let job: Job = Box::new(move || {
            let _ = tx.send(draw_image());
        });
        self.sender.try_send(job).map_err(|_| PaintError::Busy)?;
        match rx.await {
            Ok(drawn) => drawn.map_err(PaintError::Failed),
            Err(_) => Err(PaintError::Failed(anyhow::anyhow!("the drawing thread stopped"))),
        }
    }
}

/// Linux keeps a nice value per thread: this lowers only the calling thread's.
fn lower_priority() {
    // SAFETY: setpriority on the calling thread (who = 0) with a valid nice value.
    let done = unsafe { libc::setpriority(libc::PRIO_PROCESS, 0, NICENESS) };
    if done != 0 {
        tracing::debug!("could not lower the captcha threads' priority; they run at normal priority");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[actix_web::test]
    async fn images_are_drawn_on_the_painters_threads() {
        let painter = Painter::start(2, 8);
        let drawn = painter.draw().await.unwrap();
        assert!(drawn.image.unwrap().starts_with("data:image/png;base64,"));
    }

    #[actix_web::test]
    async fn a_full_queue_says_busy_instead_of_waiting() {
        let painter = Painter::start(1, 1);
        let many: Vec<_> = (0..40).map(|_| painter.draw()).collect();
        let results = futures_util::future::join_all(many).await;
        assert!(results.iter().any(|r| matches!(r, Err(PaintError::Busy))), "some are refused");
        assert!(results.iter().any(Result::is_ok), "some are drawn");
    }
}
