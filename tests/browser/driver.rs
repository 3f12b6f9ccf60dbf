//! Chromedriver: started once per test run on a free port, and killed with its browsers when the run ends.

use std::net::{TcpListener, TcpStream};
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicI32, Ordering};
use std::time::{Duration, Instant};

/// Debian's Chromium, and the chromedriver built from the same source.
pub const CHROMIUM: &str = "/usr/bin/chromium";
pub const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

static URL: OnceLock<String> = OnceLock::new();
/// The process group chromedriver leads; the browsers it starts belong to it too.
static GROUP: AtomicI32 = AtomicI32::new(0);

/// The address of this run's chromedriver, started on first use.
pub fn url() -> &'static str {
    URL.get_or_init(start)
}

fn start() -> String {
    for program in [CHROMIUM, CHROMEDRIVER] {
        assert!(
            Path::new(program).exists(),
            "{program} is missing. The browser tests drive Debian's Chromium through its chromedriver; \
             install both with: apt-get install chromium chromium-driver"
        );
    }
    let port = free_port();
    // The child is spawned from a thread that lives as long as the test process: chromedriver
    // gets SIGKILL when its spawning thread ends (PR_SET_PDEATHSIG), so an interrupted or
    // killed run leaves no driver behind, while the tests that start it may come and go.
    let (sent, received) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut command = Command::new(CHROMEDRIVER);
        command.arg(format!("--port={port}")).stdin(Stdio::null()).stdout(Stdio::null()).stderr(Stdio::null());
        command.process_group(0);
        // SAFETY: prctl is async-signal-safe, as a pre_exec closure must be.
        unsafe {
            command.pre_exec(|| {
                libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL);
                Ok(())
            });
        }
        let spawned = command.spawn();
        let _ = sent.send(spawned.as_ref().map(|child| child.id()).map_err(|e| e.to_string()));
        if spawned.is_ok() {
            loop {
                std::thread::park();
            }
        }
    });
    let pid = received.recv().expect("the chromedriver thread answers").expect("chromedriver starts");
    GROUP.store(pid as i32, Ordering::SeqCst);
    // SAFETY: registering a plain extern "C" function without arguments.
    unsafe { libc::atexit(stop) };
    wait_until_listening(port);
    format!("http://127.0.0.1:{port}")
}

/// Runs at the end of the test process (libtest returns from main, or exits with 101 on a
/// failure): ends chromedriver and every browser it started, which share its process group.
extern "C" fn stop() {
    let group = GROUP.load(Ordering::SeqCst);
    if group > 0 {
        // SAFETY: signals a process group this run created.
        unsafe { libc::kill(-group, libc::SIGKILL) };
    }
}

fn free_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("a free port for chromedriver");
    listener.local_addr().expect("its address").port()
}

fn wait_until_listening(port: u16) {
    let started = Instant::now();
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(started.elapsed() < Duration::from_secs(20), "chromedriver did not listen on port {port} within 20 s");
        std::thread::sleep(Duration::from_millis(50));
    }
}
