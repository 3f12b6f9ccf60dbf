//! A small HTTP/1.1 load generator: closed-loop keep-alive connections on a few threads,
//! each response read whole and checked, every latency kept.

use std::collections::BTreeMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpSocket, TcpStream};

/// A response as the generator read it.
pub struct Response<'a> {
    pub status: u16,
    pub headers: &'a [(String, String)],
    pub body: &'a [u8],
}

impl Response<'_> {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    pub fn body_text(&self) -> &str {
        std::str::from_utf8(self.body).unwrap_or("")
    }
}

/// What to send and what counts as a right answer.
pub trait Workload: Send + Sync {
    /// The bytes of request number `i`, or `None` when there is nothing more to send.
    fn request(&self, i: u64) -> Option<Vec<u8>>;
    /// `Err(why)` when the response to request `i` is wrong.
    fn check(&self, i: u64, response: &Response<'_>) -> Result<(), String>;
}

/// How hard and how long to drive the workload.
#[derive(Clone)]
pub struct Plan {
    pub connections: usize,
    pub threads: usize,
    pub warmup: Duration,
    pub duration: Duration,
    /// Local addresses to connect from, round-robin (empty: the system's choice).
    pub sources: Vec<IpAddr>,
    /// A pause after each response on each connection (a paced probe rather than a flood).
    pub pace: Option<Duration>,
}

impl Plan {
    pub fn closed(connections: usize, warmup: Duration, duration: Duration) -> Plan {
        Plan { connections, threads: 2, warmup, duration, sources: Vec::new(), pace: None }
    }
}

/// What one run measured (only responses completed inside the measured window count).
#[derive(Default, Clone)]
pub struct Outcome {
    pub ok: u64,
    pub errors: u64,
    pub statuses: BTreeMap<u16, u64>,
    pub first_errors: Vec<String>,
    /// Microseconds, sorted.
    pub latencies_us: Vec<u32>,
    pub measured: Duration,
    pub bytes: u64,
    /// The successful requests per second of each slice absorbed (see [`Outcome::absorb`]).
    pub slice_rates: Vec<f64>,
}

impl Outcome {
    pub fn rate(&self) -> f64 {
        let secs = self.measured.as_secs_f64();
        if secs <= 0.0 { 0.0 } else { (self.ok + self.errors) as f64 / secs }
    }

    pub fn ok_rate(&self) -> f64 {
        let secs = self.measured.as_secs_f64();
        if secs <= 0.0 { 0.0 } else { self.ok as f64 / secs }
    }

    /// Adds a slice of the same measurement (its latencies unsorted until the caller sorts).
    pub fn absorb(&mut self, slice: Outcome) {
        self.slice_rates.push(slice.ok_rate());
        self.ok += slice.ok;
        self.errors += slice.errors;
        for (status, n) in slice.statuses {
            *self.statuses.entry(status).or_default() += n;
        }
        let room = 3usize.saturating_sub(self.first_errors.len());
        self.first_errors.extend(slice.first_errors.into_iter().take(room));
        self.latencies_us.extend(slice.latencies_us);
        self.measured += slice.measured;
        self.bytes += slice.bytes;
    }

    /// The latency below which `q` of the responses came, in milliseconds.
    pub fn percentile_ms(&self, q: f64) -> f64 {
        if self.latencies_us.is_empty() {
            return f64::NAN;
        }
        let rank = ((self.latencies_us.len() as f64 * q).ceil() as usize).clamp(1, self.latencies_us.len());
        f64::from(self.latencies_us[rank - 1]) / 1000.0
    }
}

struct Shared {
    next: AtomicU64,
    window_start: Instant,
    window_end: Instant,
    result: Mutex<Outcome>,
    last_completion: Mutex<Option<Instant>>,
}

/// Drives `workload` against `target` with `plan`; blocks until done.
pub fn run(target: SocketAddr, workload: Arc<dyn Workload>, plan: &Plan) -> Outcome {
    let start = Instant::now();
    let shared = Arc::new(Shared {
        next: AtomicU64::new(0),
        window_start: start + plan.warmup,
        window_end: start + plan.warmup + plan.duration,
        result: Mutex::new(Outcome::default()),
        last_completion: Mutex::new(None),
    });
    let threads = plan.threads.max(1).min(plan.connections.max(1));
    let handles: Vec<_> = (0..threads)
        .map(|t| {
            let shared = shared.clone();
            let workload = workload.clone();
            let plan = plan.clone();
            std::thread::spawn(move || {
                let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
                runtime.block_on(async move {
                    let tasks: Vec<_> = (t..plan.connections)
                        .step_by(threads)
                        .map(|c| {
                            let source = (!plan.sources.is_empty()).then(|| plan.sources[c % plan.sources.len()]);
                            tokio::spawn(connection(target, source, plan.pace, workload.clone(), shared.clone()))
                        })
                        .collect();
                    for task in tasks {
                        let _ = task.await;
                    }
                });
            })
        })
        .collect();
    for handle in handles {
        let _ = handle.join();
    }
    let mut outcome = std::mem::take(&mut *shared.result.lock().expect("result"));
    let end = shared.last_completion.lock().expect("last").map_or(shared.window_end, |t| t.min(shared.window_end));
    outcome.measured = end.saturating_duration_since(shared.window_start);
    outcome.latencies_us.sort_unstable();
    outcome
}

/// One connection's loop: send, read, check, again, until the window closes.
async fn connection(
    target: SocketAddr,
    source: Option<IpAddr>,
    pace: Option<Duration>,
    workload: Arc<dyn Workload>,
    shared: Arc<Shared>,
) {
    let mut local = Outcome::default();
    let mut stream: Option<TcpStream> = None;
    let mut buf = Vec::with_capacity(256 * 1024);
    let mut last = None;
    loop {
        if Instant::now() >= shared.window_end {
            break;
        }
        let i = shared.next.fetch_add(1, Ordering::Relaxed);
        let Some(request) = workload.request(i) else {
            break;
        };
        let sent_at = Instant::now();
        let result = exchange(&mut stream, target, source, &request, &mut buf).await;
        let done = Instant::now();
        let counted = sent_at >= shared.window_start && done <= shared.window_end;
        if counted {
            last = Some(done);
        }
        let verdict = match &result {
            Ok(parsed) => {
                let response =
                    Response { status: parsed.status, headers: &parsed.headers, body: &buf[parsed.body.clone()] };
                if counted {
                    *local.statuses.entry(parsed.status).or_default() += 1;
                    local.bytes += parsed.body.len() as u64;
                }
                let verdict = workload.check(i, &response);
                if !parsed.keep_alive {
                    stream = None;
                }
                verdict
            }
            Err(e) => {
                stream = None;
                Err(format!("connection: {e}"))
            }
        };
        if let Some(pause) = pace {
            tokio::time::sleep(pause).await;
        }
        if !counted {
            continue;
        }
        local.latencies_us.push(u32::try_from(done.duration_since(sent_at).as_micros()).unwrap_or(u32::MAX));
        match verdict {
            Ok(()) => local.ok += 1,
            Err(why) => {
                local.errors += 1;
                if local.first_errors.len() < 3 {
                    local.first_errors.push(why);
                }
            }
        }
    }
    let mut total = shared.result.lock().expect("result");
    total.ok += local.ok;
    total.errors += local.errors;
    total.bytes += local.bytes;
    for (status, n) in local.statuses {
        *total.statuses.entry(status).or_default() += n;
    }
    for e in local.first_errors {
        if total.first_errors.len() < 5 {
            total.first_errors.push(e);
        }
    }
    total.latencies_us.extend(local.latencies_us);
    drop(total);
    if let Some(last) = last {
        let mut latest = shared.last_completion.lock().expect("last");
        if latest.is_none_or(|l| l < last) {
            *latest = Some(last);
        }
    }
}

struct Parsed {
    status: u16,
    headers: Vec<(String, String)>,
    body: std::ops::Range<usize>,
    keep_alive: bool,
}

async fn open(target: SocketAddr, source: Option<IpAddr>) -> std::io::Result<TcpStream> {
    let socket = if target.is_ipv4() { TcpSocket::new_v4()? } else { TcpSocket::new_v6()? };
    if let Some(source) = source {
        socket.bind(SocketAddr::new(source, 0))?;
    }
    let stream = socket.connect(target).await?;
    stream.set_nodelay(true)?;
    Ok(stream)
}

/// Sends one request on the connection (opening it if needed) and reads the whole
/// response into `buf`.
async fn exchange(
    stream: &mut Option<TcpStream>,
    target: SocketAddr,
    source: Option<IpAddr>,
    request: &[u8],
    buf: &mut Vec<u8>,
) -> std::io::Result<Parsed> {
    if stream.is_none() {
        *stream = Some(open(target, source).await?);
    }
    let s = stream.as_mut().expect("just opened");
    s.write_all(request).await?;
    buf.clear();
    read_response(s, buf).await
}

fn invalid(what: &str) -> std::io::Error {
    std::io::Error::new(std::io::ErrorKind::InvalidData, what.to_owned())
}

async fn fill(s: &mut TcpStream, buf: &mut Vec<u8>) -> std::io::Result<()> {
    if buf.capacity() - buf.len() < 16 * 1024 {
        buf.reserve(64 * 1024);
    }
    // Into the spare capacity as it is: zeroing it first (256 KiB on every read) cost the
    // generator, on the service's cores, more for a page that arrives in two reads than in one.
    match s.read_buf(buf).await? {
        0 => Err(std::io::Error::new(std::io::ErrorKind::UnexpectedEof, "closed by the server")),
        _ => Ok(()),
    }
}

async fn read_response(s: &mut TcpStream, buf: &mut Vec<u8>) -> std::io::Result<Parsed> {
    let (head_len, status, headers) = loop {
        fill(s, buf).await?;
        let mut slots = [httparse::EMPTY_HEADER; 48];
        let mut response = httparse::Response::new(&mut slots);
        match response.parse(buf).map_err(|e| invalid(&format!("bad response head: {e}")))? {
            httparse::Status::Complete(n) => {
                let headers: Vec<(String, String)> = response
                    .headers
                    .iter()
                    .map(|h| (h.name.to_owned(), String::from_utf8_lossy(h.value).into_owned()))
                    .collect();
                break (n, response.code.unwrap_or(0), headers);
            }
            httparse::Status::Partial => continue,
        }
    };
    let find = |name: &str| headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str());
    let keep_alive = !find("connection").is_some_and(|v| v.eq_ignore_ascii_case("close"));
    if find("transfer-encoding").is_some_and(|v| v.to_ascii_lowercase().contains("chunked")) {
        let body = read_chunked(s, buf, head_len).await?;
        return Ok(Parsed { status, headers, body, keep_alive });
    }
    let length = match find("content-length") {
        Some(v) => v.trim().parse::<usize>().map_err(|_| invalid("bad content-length"))?,
        None if status == 204 || status == 304 => 0,
        None => {
            // Read to the end of the connection.
            while fill(s, buf).await.is_ok() {}
            return Ok(Parsed { status, headers, body: head_len..buf.len(), keep_alive: false });
        }
    };
    while buf.len() < head_len + length {
        fill(s, buf).await?;
    }
    Ok(Parsed { status, headers, body: head_len..head_len + length, keep_alive })
}

/// Decodes a chunked body in place: the chunks are moved together after the head.
async fn read_chunked(
    s: &mut TcpStream,
    buf: &mut Vec<u8>,
    head_len: usize,
) -> std::io::Result<std::ops::Range<usize>> {
    let mut write = head_len;
    let mut read = head_len;
    loop {
        let line_end = loop {
            if let Some(p) = buf[read..].windows(2).position(|w| w == b"\r\n") {
                break read + p;
            }
            fill(s, buf).await?;
        };
        let size_text = std::str::from_utf8(&buf[read..line_end]).map_err(|_| invalid("bad chunk size"))?;
        let size = usize::from_str_radix(size_text.split(';').next().unwrap_or("").trim(), 16)
            .map_err(|_| invalid("bad chunk size"))?;
        read = line_end + 2;
        while buf.len() < read + size + 2 {
            fill(s, buf).await?;
        }
        if size == 0 {
            return Ok(head_len..write);
        }
        buf.copy_within(read..read + size, write);
        write += size;
        read += size + 2;
    }
}

/// A GET request's bytes.
pub fn get(host: &str, path: &str, extra_headers: &str) -> Vec<u8> {
    format!("GET {path} HTTP/1.1\r\nHost: {host}\r\nUser-Agent: zhengqiu-bench\r\n{extra_headers}\r\n").into_bytes()
}

/// A POST request's bytes.
pub fn post(host: &str, path: &str, content_type: &str, body: &[u8], extra_headers: &str) -> Vec<u8> {
    let mut bytes = format!(
        "POST {path} HTTP/1.1\r\nHost: {host}\r\nUser-Agent: zhengqiu-bench\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\n{extra_headers}\r\n",
        body.len()
    )
    .into_bytes();
    bytes.extend_from_slice(body);
    bytes
}
