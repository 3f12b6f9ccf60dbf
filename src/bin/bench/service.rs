//! The processes under test: the zhengqiu service (the release binary beside this one)
//! and nginx serving the same page bytes as a static file.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use anyhow::Context;

/// A free port on loopback (bound and released at once).
pub fn free_port() -> anyhow::Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

/// A response read by [`http`]: status, head (for its headers) and body.
pub struct Answer {
    pub status: u16,
    pub head: String,
    pub body: Vec<u8>,
}

impl Answer {
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// One plain blocking request on its own connection, for set-up steps and single
/// timed downloads (not for load). `form` is sent as an url-encoded body.
pub fn http(addr: SocketAddr, method: &str, path: &str, headers: &str, form: Option<&str>) -> anyhow::Result<Answer> {
    let body = form.map(|f| ("application/x-www-form-urlencoded", f.as_bytes()));
    request(addr, method, path, headers, body)
}

/// Like [`http`], with a body of any type: (Content-Type, bytes).
pub fn request(
    addr: SocketAddr,
    method: &str,
    path: &str,
    headers: &str,
    body: Option<(&str, &[u8])>,
) -> anyhow::Result<Answer> {
    let mut s = TcpStream::connect_timeout(&addr, Duration::from_secs(2))?;
    s.set_read_timeout(Some(Duration::from_secs(300)))?;
    let content = match body {
        Some((kind, bytes)) => format!("Content-Type: {kind}\r\nContent-Length: {}\r\n", bytes.len()),
        None => String::new(),
    };
    let mut message =
        format!("{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n{content}{headers}\r\n").into_bytes();
    message.extend_from_slice(body.map(|(_, b)| b).unwrap_or_default());
    s.write_all(&message)?;
    let mut raw = Vec::new();
    s.read_to_end(&mut raw)?;
    let head_end = raw.windows(4).position(|w| w == b"\r\n\r\n").context("no response head")? + 4;
    let head = String::from_utf8_lossy(&raw[..head_end]).into_owned();
    let (status, body) = parse_response(&raw)?;
    Ok(Answer { status, head, body })
}

/// A multipart/form-data body of text fields and one file: (Content-Type, bytes).
pub fn multipart(fields: &[(&str, &str)], file: (&str, &str, &[u8])) -> (String, Vec<u8>) {
    let boundary = format!("zhengqiu-bench-{}", hex::encode(rand::random::<[u8; 12]>()));
    let mut body = Vec::new();
    for (name, value) in fields {
        body.extend_from_slice(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n").as_bytes(),
        );
    }
    let (name, file_name, bytes) = file;
    body.extend_from_slice(
        format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"; filename=\"{file_name}\"\r\n\
             Content-Type: application/octet-stream\r\n\r\n"
        )
        .as_bytes(),
    );
    body.extend_from_slice(bytes);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

/// A GET's status and body.
pub fn fetch(addr: SocketAddr, path: &str, headers: &str) -> anyhow::Result<(u16, Vec<u8>)> {
    let answer = http(addr, "GET", path, headers, None)?;
    Ok((answer.status, answer.body))
}

fn parse_response(raw: &[u8]) -> anyhow::Result<(u16, Vec<u8>)> {
    let mut slots = [httparse::EMPTY_HEADER; 48];
    let mut response = httparse::Response::new(&mut slots);
    let httparse::Status::Complete(head) = response.parse(raw)? else { anyhow::bail!("incomplete response") };
    let status = response.code.unwrap_or(0);
    let chunked = response.headers.iter().any(|h| {
        h.name.eq_ignore_ascii_case("transfer-encoding") && String::from_utf8_lossy(h.value).contains("chunked")
    });
    let mut body = raw[head..].to_vec();
    if chunked {
        let mut out = Vec::new();
        let mut rest = &body[..];
        while let Some(p) = rest.windows(2).position(|w| w == b"\r\n") {
            let size = usize::from_str_radix(std::str::from_utf8(&rest[..p])?.trim(), 16)?;
            if size == 0 {
                break;
            }
            out.extend_from_slice(&rest[p + 2..p + 2 + size]);
            rest = &rest[p + 2 + size + 2..];
        }
        body = out;
    }
    Ok((status, body))
}

/// Waits until `addr` answers `GET /healthz` with 200; returns how long that took.
fn wait_until_up(addr: SocketAddr, child: &mut Child, since: Instant, log: &Path) -> anyhow::Result<Duration> {
    let deadline = since + Duration::from_secs(120);
    loop {
        if let Ok((200, _)) = fetch(addr, "/healthz", "") {
            return Ok(since.elapsed());
        }
        if let Some(status) = child.try_wait()? {
            let tail = std::fs::read_to_string(log).unwrap_or_default();
            let tail: String =
                tail.lines().rev().take(15).collect::<Vec<_>>().into_iter().rev().collect::<Vec<_>>().join("\n");
            anyhow::bail!("the service exited ({status}) before answering:\n{tail}");
        }
        anyhow::ensure!(Instant::now() < deadline, "the service did not answer within two minutes");
        std::thread::sleep(Duration::from_millis(2));
    }
}

/// The zhengqiu service running as a child process.
pub struct Service {
    child: Child,
    pub addr: SocketAddr,
    pub started_in: Duration,
}

/// How to start the service.
#[derive(Clone)]
pub struct ServiceConfig {
    pub binary: PathBuf,
    pub database_url: String,
    pub data_dir: PathBuf,
    pub secret_hex: String,
    pub env: Vec<(String, String)>,
}

impl Service {
    pub fn start(config: &ServiceConfig, extra_env: &[(&str, &str)]) -> anyhow::Result<Service> {
        let port = free_port()?;
        let addr: SocketAddr = format!("127.0.0.1:{port}").parse()?;
        let log = config.data_dir.join(format!("service-{port}.log"));
        let out = std::fs::File::create(&log).with_context(|| format!("creating {}", log.display()))?;
        let mut command = Command::new(&config.binary);
        command
            .arg("serve")
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("DATABASE_URL", &config.database_url)
            .env("ZHENGQIU_ADDR", addr.to_string())
            .env("ZHENGQIU_DATA_DIR", &config.data_dir)
            .env("ZHENGQIU_SECRET_KEY", &config.secret_hex)
            .env("RUST_LOG", "info")
            .current_dir(&config.data_dir)
            .stdin(Stdio::null())
            .stdout(out.try_clone()?)
            .stderr(out);
        for (k, v) in &config.env {
            command.env(k, v);
        }
        for (k, v) in extra_env {
            command.env(k, v);
        }
        let since = Instant::now();
        let mut child = command.spawn().with_context(|| format!("starting {}", config.binary.display()))?;
        let started_in = wait_until_up(addr, &mut child, since, &log)?;
        Ok(Service { child, addr, started_in })
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    pub fn stop(mut self) {
        stop_child(&mut self.child);
    }
}

impl Drop for Service {
    fn drop(&mut self) {
        stop_child(&mut self.child);
    }
}

fn stop_child(child: &mut Child) {
    if let Ok(Some(_)) = child.try_wait() {
        return;
    }
    // SIGTERM first, so the service shuts down as it would in production.
    // SAFETY: kill(2) with a pid we own; no memory is involved.
    unsafe {
        libc::kill(child.id() as libc::pid_t, libc::SIGTERM);
    }
    let deadline = Instant::now() + Duration::from_secs(10);
    while Instant::now() < deadline {
        if let Ok(Some(_)) = child.try_wait() {
            return;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let _ = child.kill();
    let _ = child.wait();
}

/// nginx serving files from a directory, as a child process with its own configuration.
pub struct Nginx {
    child: Child,
    pub addr: SocketAddr,
}

pub fn find_nginx() -> Option<PathBuf> {
    let candidates = ["/usr/sbin/nginx", "/usr/local/sbin/nginx", "/usr/local/nginx/sbin/nginx"];
    if let Some(found) = candidates.iter().map(PathBuf::from).find(|p| p.exists()) {
        return Some(found);
    }
    std::env::var("PATH").ok()?.split(':').map(|d| Path::new(d).join("nginx")).find(|p| p.exists())
}

impl Nginx {
    /// Serves `root` on a free port with one worker per core and the access log on,
    /// as a default Debian installation does.
    pub fn start(binary: &Path, root: &Path, work: &Path) -> anyhow::Result<Nginx> {
        let port = free_port()?;
        let addr: SocketAddr = format!("127.0.0.1:{port}").parse()?;
        std::fs::create_dir_all(work.join("logs"))?;
        let user = if unsafe { libc::geteuid() } == 0 { "user root;\n" } else { "" };
        let conf = format!(
            "{user}worker_processes auto;\ndaemon off;\npid {work}/nginx.pid;\nerror_log {work}/logs/error.log warn;\n\
             events {{ worker_connections 4096; }}\n\
             http {{\n  types {{ text/html html; }}\n  default_type application/octet-stream;\n  sendfile on;\n  tcp_nopush on;\n\
               keepalive_requests 1000000;\n  access_log {work}/logs/access.log;\n\
               client_body_temp_path {work}/tmp;\n  proxy_temp_path {work}/tmp;\n  fastcgi_temp_path {work}/tmp;\n  uwsgi_temp_path {work}/tmp;\n  scgi_temp_path {work}/tmp;\n\
               server {{ listen 127.0.0.1:{port}; root {root}; charset utf-8; }}\n}}\n",
            work = work.display(),
            root = root.display(),
        );
        std::fs::create_dir_all(work.join("tmp"))?;
        let conf_path = work.join("nginx.conf");
        std::fs::write(&conf_path, conf)?;
        let mut child = Command::new(binary)
            .arg("-c")
            .arg(&conf_path)
            .arg("-p")
            .arg(work)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(work.join("logs/stderr.log"))?)
            .spawn()
            .with_context(|| format!("starting {}", binary.display()))?;
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            if TcpStream::connect(addr).is_ok() {
                return Ok(Nginx { child, addr });
            }
            if let Some(status) = child.try_wait()? {
                let err = std::fs::read_to_string(work.join("logs/stderr.log")).unwrap_or_default();
                anyhow::bail!("nginx exited ({status}): {err}");
            }
            anyhow::ensure!(Instant::now() < deadline, "nginx did not start listening");
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }
}

impl Drop for Nginx {
    fn drop(&mut self) {
        // SAFETY: kill(2) on our own child; QUIT lets nginx's workers finish and exit.
        unsafe {
            libc::kill(self.child.id() as libc::pid_t, libc::SIGQUIT);
        }
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Runs a command to completion; returns its wall time and peak resident memory (MiB).
pub fn run_measured(command: &mut Command) -> anyhow::Result<(Duration, f64, std::process::Output)> {
    let start = Instant::now();
    let child = command.stdout(Stdio::piped()).stderr(Stdio::piped()).spawn()?;
    let pid = child.id() as libc::pid_t;
    // Collect output on threads so the child never blocks on a full pipe.
    let mut child = child;
    let mut stdout = child.stdout.take().context("stdout")?;
    let mut stderr = child.stderr.take().context("stderr")?;
    let out_thread = std::thread::spawn(move || {
        let mut v = Vec::new();
        let _ = stdout.read_to_end(&mut v);
        v
    });
    let err_thread = std::thread::spawn(move || {
        let mut v = Vec::new();
        let _ = stderr.read_to_end(&mut v);
        v
    });
    // The peak is read from /proc while the child runs: wait4's ru_maxrss would not do,
    // as Linux carries the resident size of the forking process (this benchmark, with its
    // data) over into the child's figure.
    let running = Arc::new(AtomicBool::new(true));
    let peak_thread = {
        let running = running.clone();
        std::thread::spawn(move || {
            let mut peak = 0.0_f64;
            while running.load(Ordering::Relaxed) {
                peak = peak.max(crate::procfs::peak_rss_mib(pid as u32).unwrap_or(0.0));
                std::thread::sleep(Duration::from_millis(5));
            }
            peak
        })
    };
    let mut status: libc::c_int = 0;
    // SAFETY: waiting for our own child, with a valid pointer to a local.
    let waited = unsafe { libc::wait4(pid, &mut status, 0, std::ptr::null_mut()) };
    anyhow::ensure!(waited == pid, "wait4 failed: {}", std::io::Error::last_os_error());
    let elapsed = start.elapsed();
    running.store(false, Ordering::Relaxed);
    let peak = peak_thread.join().unwrap_or(0.0);
    let stdout = out_thread.join().unwrap_or_default();
    let stderr = err_thread.join().unwrap_or_default();
    use std::os::unix::process::ExitStatusExt;
    let status = std::process::ExitStatus::from_raw(status);
    // The child is reaped; make sure `Child`'s drop does not try again.
    std::mem::forget(child);
    Ok((elapsed, peak, std::process::Output { status, stdout, stderr }))
}
