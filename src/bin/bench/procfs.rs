//! What Linux says about processes and the CPU: resident memory, its peak, CPU time,
//! and whether something outside the benchmark is using the machine.

use std::time::{Duration, Instant};

/// Clock ticks per second of /proc/*/stat times (USER_HZ, 100 on Linux).
const TICKS_PER_SEC: f64 = 100.0;

fn status_field_kib(pid: u32, field: &str) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status.lines().find_map(|l| l.strip_prefix(field)).and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
}

/// Resident memory now, in MiB.
pub fn rss_mib(pid: u32) -> Option<f64> {
    status_field_kib(pid, "VmRSS:").map(|k| k as f64 / 1024.0)
}

/// Peak resident memory since start or since [`reset_peak`], in MiB.
pub fn peak_rss_mib(pid: u32) -> Option<f64> {
    status_field_kib(pid, "VmHWM:").map(|k| k as f64 / 1024.0)
}

/// Starts a new peak-memory measurement for `pid` (Linux ≥ 4.0: writing 5 to clear_refs
/// resets VmHWM to the current RSS). Returns false where that is not allowed.
pub fn reset_peak(pid: u32) -> bool {
    std::fs::write(format!("/proc/{pid}/clear_refs"), "5").is_ok()
}

/// Starts a new peak-memory measurement for `pid` and its children (nginx's workers).
pub fn reset_tree_peak(pid: u32) -> bool {
    children_of(pid).into_iter().fold(reset_peak(pid), |all, child| reset_peak(child) && all)
}

/// Sum of the peak resident memory of `pid` and its children since [`reset_tree_peak`].
pub fn tree_peak_rss_mib(pid: u32) -> Option<f64> {
    let own = peak_rss_mib(pid)?;
    Some(own + children_of(pid).into_iter().filter_map(peak_rss_mib).sum::<f64>())
}

/// User plus system CPU time of a process (all its threads), in seconds.
pub fn cpu_secs(pid: u32) -> Option<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // Fields after the command name, which is in parentheses and may hold spaces.
    let rest = &stat[stat.rfind(')')? + 2..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // utime, stime, cutime, cstime are fields 14–17 of the whole line: 12–15 here.
    let ticks: f64 = fields.get(11..15)?.iter().filter_map(|f| f.parse::<f64>().ok()).sum();
    Some(ticks / TICKS_PER_SEC)
}

/// The command name of a process.
fn comm(pid: u32) -> Option<String> {
    std::fs::read_to_string(format!("/proc/{pid}/comm")).ok().map(|s| s.trim().to_owned())
}

fn children_of(pid: u32) -> Vec<u32> {
    let mut out = Vec::new();
    let Ok(dir) = std::fs::read_dir("/proc") else { return out };
    for entry in dir.flatten() {
        let Some(child) = entry.file_name().to_str().and_then(|n| n.parse::<u32>().ok()) else { continue };
        let Ok(stat) = std::fs::read_to_string(format!("/proc/{child}/stat")) else { continue };
        let Some(close) = stat.rfind(')') else { continue };
        let parent = stat[close + 2..].split_whitespace().nth(1).and_then(|p| p.parse::<u32>().ok());
        if parent == Some(pid) {
            out.push(child);
        }
    }
    out
}

fn all_pids() -> Vec<u32> {
    std::fs::read_dir("/proc")
        .map(|d| d.flatten().filter_map(|e| e.file_name().to_str().and_then(|n| n.parse().ok())).collect())
        .unwrap_or_default()
}

/// Busy and total jiffies of the whole machine.
fn machine_ticks() -> Option<(f64, f64)> {
    let stat = std::fs::read_to_string("/proc/stat").ok()?;
    let line = stat.lines().next()?.strip_prefix("cpu ")?;
    let v: Vec<f64> = line.split_whitespace().filter_map(|x| x.parse().ok()).collect();
    let total: f64 = v.iter().take(8).sum();
    let idle = v.get(3).copied().unwrap_or(0.0) + v.get(4).copied().unwrap_or(0.0);
    Some((total - idle, total))
}

pub fn cores() -> usize {
    std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1)
}

/// The processes whose CPU use is the benchmark's own: this process, the service,
/// nginx and its workers, and (when measuring PostgreSQL) the postgres processes.
#[derive(Clone, Default)]
pub struct OwnProcesses {
    pub roots: Vec<u32>,
    pub include_postgres: bool,
}

impl OwnProcesses {
    fn pids(&self) -> Vec<u32> {
        let mut pids = vec![std::process::id()];
        for &root in &self.roots {
            pids.push(root);
            pids.extend(children_of(root));
        }
        if self.include_postgres {
            pids.extend(all_pids().into_iter().filter(|&p| comm(p).is_some_and(|c| c.starts_with("postgres"))));
        }
        pids.sort_unstable();
        pids.dedup();
        pids
    }

    fn cpu(&self, pids: &[u32]) -> f64 {
        pids.iter().filter_map(|&p| cpu_secs(p)).sum()
    }
}

/// CPU seconds used so far by a process and its children, and by PostgreSQL's processes.
pub fn cpu_split(pid: u32) -> (f64, f64) {
    let own: f64 = std::iter::once(pid).chain(children_of(pid)).filter_map(cpu_secs).sum();
    let database: f64 = all_pids()
        .into_iter()
        .filter(|&p| comm(p).is_some_and(|c| c.starts_with("postgres")))
        .filter_map(cpu_secs)
        .sum();
    (own, database)
}

/// CPU used outside the benchmark over a stretch of time, in cores.
pub struct ForeignLoad {
    own: OwnProcesses,
    pids: Vec<u32>,
    started: Instant,
    machine: (f64, f64),
    own_cpu: f64,
}

impl ForeignLoad {
    pub fn start(own: &OwnProcesses) -> ForeignLoad {
        let pids = own.pids();
        let own_cpu = own.cpu(&pids);
        ForeignLoad {
            own: own.clone(),
            machine: machine_ticks().unwrap_or((0.0, 0.0)),
            own_cpu,
            pids,
            started: Instant::now(),
        }
    }

    /// Average cores used by other processes since `start`.
    pub fn cores_used(&self) -> f64 {
        let Some((busy, _)) = machine_ticks() else { return 0.0 };
        let elapsed = self.started.elapsed().as_secs_f64().max(0.01);
        // Processes that appeared meanwhile (a new postgres backend) count as ours too.
        let mut pids = self.pids.clone();
        let now_pids = self.own.pids();
        let new: Vec<u32> = now_pids.iter().copied().filter(|p| !pids.contains(p)).collect();
        pids.extend(&new);
        let own_now = self.own.cpu(&pids);
        let machine_secs = (busy - self.machine.0) / TICKS_PER_SEC;
        ((machine_secs - (own_now - self.own_cpu)) / elapsed).max(0.0)
    }
}

/// Waits until the machine is quiet: less than `threshold` cores busy outside the
/// benchmark over two seconds. Returns the load last seen and whether it was quiet.
pub fn wait_for_quiet(own: &OwnProcesses, threshold: f64, patience: Duration) -> (f64, bool) {
    let deadline = Instant::now() + patience;
    loop {
        let probe = ForeignLoad::start(own);
        std::thread::sleep(Duration::from_secs(2));
        let load = probe.cores_used();
        if load < threshold {
            return (load, true);
        }
        if Instant::now() >= deadline {
            return (load, false);
        }
        eprintln!("  其他进程正占用 {load:.2} 个核心，等待机器空闲后再测……");
    }
}
