//! Files written on the fly and streamed to the browser as they are written: a table of
//! 100,000 opinions never sits whole in memory, and the first bytes leave at once.

use std::io::Write;

use actix_web::HttpResponse;
use actix_web::http::header::{ContentDisposition, DispositionParam, DispositionType, ExtendedValue};
use actix_web::web::Bytes;
use tokio::sync::mpsc;

use crate::db::{Conn, Pool};
use crate::error::AppError;
use crate::exports::Format;

/// Bytes sent to the browser at a time.
const CHUNK: usize = 64 * 1024;
/// Chunks written ahead of a slow browser before the writer waits.
const AHEAD: usize = 16;

/// The headers of a download with a Chinese file name that every browser saves correctly.
fn headers(name: &str, format: Format) -> actix_web::HttpResponseBuilder {
    let file_name = format!("{}.{}", name.replace(['/', '\\', '"'], "_"), format.extension());
    let disposition = ContentDisposition {
        disposition: DispositionType::Attachment,
        parameters: vec![
            DispositionParam::Filename(format!("adoption-table.{}", format.extension())),
            DispositionParam::FilenameExt(ExtendedValue {
                charset: actix_web::http::header::Charset::Ext("UTF-8".to_owned()),
                language_tag: None,
                value: file_name.into_bytes(),
            }),
        ],
    };
    let mut builder = HttpResponse::Ok();
    builder.content_type(format.mime_type()).insert_header(disposition).insert_header(("Cache-Control", "no-store"));
    builder
}

/// A download written by `write` on a blocking thread with a database connection, sent
/// as it is written. Whatever can be refused must be checked before: once the first byte
/// is out, a failure can only cut the download short (and is logged).
pub fn streamed<F>(pool: &Pool, name: &str, format: Format, write: F) -> HttpResponse
where
    F: FnOnce(&mut Conn, &mut (dyn Write + Send)) -> Result<(), AppError> + Send + 'static,
{
    streamed_with(pool, headers(name, format), write)
}

/// Like [`streamed`], under the caller's headers (open data is read inline and may be cached).
pub fn streamed_with<F>(pool: &Pool, mut response: actix_web::HttpResponseBuilder, write: F) -> HttpResponse
where
    F: FnOnce(&mut Conn, &mut (dyn Write + Send)) -> Result<(), AppError> + Send + 'static,
{
    let (tx, rx) = mpsc::channel::<Result<Bytes, std::io::Error>>(AHEAD);
    let pool = pool.clone();
    actix_web::rt::task::spawn_blocking(move || {
        let mut out = ChunkSender { tx: tx.clone(), buf: Vec::with_capacity(CHUNK) };
        let written = pool
            .get()
            .map_err(AppError::unavailable)
            .and_then(|mut conn| write(&mut conn, &mut out))
            .and_then(|()| out.flush().map_err(AppError::internal));
        if let Err(err) = written {
            tracing::error!(error = %format!("{err:#}"), "a download failed part-way and was cut short");
            let _ = tx.blocking_send(Err(std::io::Error::other("the file could not be completed")));
        }
        drop(out);
        release_free_memory();
    });
    let body = futures_util::stream::unfold(rx, |mut rx| async move { rx.recv().await.map(|chunk| (chunk, rx)) });
    response.streaming(body)
}

/// A `Write` that hands full chunks to the response; fails once the browser has gone.
struct ChunkSender {
    tx: mpsc::Sender<Result<Bytes, std::io::Error>>,
    buf: Vec<u8>,
}

impl ChunkSender {
    fn send(&mut self) -> std::io::Result<()> {
        if self.buf.is_empty() {
            return Ok(());
        }
        let chunk = Bytes::from(std::mem::replace(&mut self.buf, Vec::with_capacity(CHUNK)));
        self.tx
            .blocking_send(Ok(chunk))
            .map_err(|_| std::io::Error::new(std::io::ErrorKind::BrokenPipe, "the browser stopped the download"))
    }
}

impl Write for ChunkSender {
    fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
        self.buf.extend_from_slice(data);
        if self.buf.len() >= CHUNK {
            self.send()?;
        }
        Ok(data.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.send()
    }
}

/// Gives memory freed by a large piece of work back to the system, so that a service that
/// once wrote a big export does not keep its peak size for good (glibc keeps freed memory).
pub fn release_free_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only returns free heap pages to the kernel.
    unsafe {
        libc::malloc_trim(0);
    }
}
