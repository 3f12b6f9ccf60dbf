//! A small SMTP server for tests: it accepts mail (or refuses it on demand) and keeps
//! every message it receives.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;

#[derive(Clone)]
pub struct SmtpServer {
    pub port: u16,
    messages: Arc<Mutex<Vec<Vec<u8>>>>,
    failing: Arc<AtomicBool>,
}

impl SmtpServer {
    pub async fn start() -> SmtpServer {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind smtp");
        let server = SmtpServer {
            port: listener.local_addr().unwrap().port(),
            messages: Arc::default(),
            failing: Arc::default(),
        };
        let accepting = server.clone();
        actix_web::rt::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let session = accepting.clone();
                actix_web::rt::spawn(async move {
                    let _ = session.serve(stream).await;
                });
            }
        });
        server
    }

    /// While failing, every message is refused with a temporary error.
    pub fn set_failing(&self, failing: bool) {
        self.failing.store(failing, Ordering::SeqCst);
    }

    pub fn messages(&self) -> Vec<mail_parser::Message<'static>> {
        self.messages
            .lock()
            .unwrap()
            .iter()
            .map(|raw| mail_parser::MessageParser::default().parse(raw).expect("a parsable message").into_owned())
            .collect()
    }

    /// Waits until at least `n` messages arrived (or a few seconds passed).
    pub async fn wait_for(&self, n: usize) -> Vec<mail_parser::Message<'static>> {
        for _ in 0..100 {
            if self.messages.lock().unwrap().len() >= n {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        self.messages()
    }

    async fn serve(&self, stream: tokio::net::TcpStream) -> std::io::Result<()> {
        let (read, mut write) = stream.into_split();
        let mut lines = BufReader::new(read);
        write.write_all(b"220 localhost test SMTP\r\n").await?;
        let mut line = String::new();
        loop {
            line.clear();
            if lines.read_line(&mut line).await? == 0 {
                return Ok(());
            }
            let command = line.trim_end().to_ascii_uppercase();
            let reply: &[u8] = if command.starts_with("EHLO") {
                b"250-localhost\r\n250-8BITMIME\r\n250 SMTPUTF8\r\n"
            } else if command.starts_with("HELO") || command.starts_with("RSET") || command.starts_with("NOOP") {
                b"250 OK\r\n"
            } else if command.starts_with("MAIL FROM") {
                if self.failing.load(Ordering::SeqCst) { b"451 4.3.0 try again later\r\n" } else { b"250 OK\r\n" }
            } else if command.starts_with("RCPT TO") {
                b"250 OK\r\n"
            } else if command == "DATA" {
                write.write_all(b"354 go ahead\r\n").await?;
                let mut data = Vec::new();
                loop {
                    let mut part = Vec::new();
                    if lines.read_until(b'\n', &mut part).await? == 0 {
                        return Ok(());
                    }
                    if part == b".\r\n" {
                        break;
                    }
                    let part = if part.starts_with(b"..") { part[1..].to_vec() } else { part };
                    data.extend_from_slice(&part);
                }
                self.messages.lock().unwrap().push(data);
                b"250 OK queued\r\n"
            } else if command.starts_with("QUIT") {
                write.write_all(b"221 bye\r\n").await?;
                return Ok(());
            } else {
                b"502 not implemented\r\n"
            };
            write.write_all(reply).await?;
        }
    }
}
