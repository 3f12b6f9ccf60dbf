//! The benchmark's results: a table on the terminal, the targets as ratios, and a JSON
//! file that the next run compares itself with.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::loadgen::Outcome;

/// One measured line.
#[derive(Serialize, Deserialize, Clone, Debug, Default)]
pub struct Row {
    pub backend: String,
    pub name: String,
    /// Connections driving it (0 for single timed runs).
    pub connections: usize,
    pub requests_per_sec: Option<f64>,
    pub p50_ms: Option<f64>,
    pub p99_ms: Option<f64>,
    pub ok: u64,
    pub errors: u64,
    /// Seconds, for single timed runs (exports, start-up).
    pub seconds: Option<f64>,
    /// Peak resident memory of the process that did the work, MiB.
    pub peak_rss_mib: Option<f64>,
    pub note: String,
    /// Another process used the CPU meanwhile.
    pub disturbed: bool,
}

impl Row {
    pub fn load(backend: &str, name: &str, connections: usize, outcome: &Outcome) -> Row {
        let mut note = String::new();
        if !outcome.first_errors.is_empty() {
            note = format!("first errors: {}", outcome.first_errors.join(" | "));
        }
        let statuses: Vec<String> =
            outcome.statuses.iter().filter(|(s, _)| **s >= 400).map(|(s, n)| format!("{n}×{s}")).collect();
        if !statuses.is_empty() {
            note = format!("{} {note}", statuses.join(" ")).trim().to_owned();
        }
        Row {
            backend: backend.to_owned(),
            name: name.to_owned(),
            connections,
            requests_per_sec: Some(outcome.rate()),
            p50_ms: Some(outcome.percentile_ms(0.50)),
            p99_ms: Some(outcome.percentile_ms(0.99)),
            ok: outcome.ok,
            errors: outcome.errors,
            note,
            ..Row::default()
        }
    }

    /// A memory reading (resident set, MiB).
    pub fn memory(backend: &str, name: &str, mib: Option<f64>) -> Row {
        Row { backend: backend.to_owned(), name: name.to_owned(), peak_rss_mib: mib, ok: 1, ..Row::default() }
    }

    pub fn timed(backend: &str, name: &str, seconds: f64, peak_rss_mib: Option<f64>, note: String) -> Row {
        Row {
            backend: backend.to_owned(),
            name: name.to_owned(),
            seconds: Some(seconds),
            peak_rss_mib,
            ok: 1,
            note,
            ..Row::default()
        }
    }
}

/// A target of the benchmark, checked on the figures of this run.
#[derive(Serialize, Deserialize, Clone, Debug)]
pub struct Target {
    pub backend: String,
    pub what: String,
    pub measured: String,
    pub required: String,
    pub met: bool,
}

#[derive(Serialize, Deserialize, Default)]
pub struct Results {
    pub started_at: String,
    pub machine: String,
    pub commit: String,
    pub disturbed: bool,
    pub rows: Vec<Row>,
    pub targets: Vec<Target>,
}

impl Results {
    pub fn row(&mut self, row: Row) {
        print_row(&row, None);
        self.rows.push(row);
    }

    pub fn target(&mut self, backend: &str, what: &str, measured: String, required: String, met: bool) {
        self.targets.push(Target { backend: backend.to_owned(), what: what.to_owned(), measured, required, met });
    }

    pub fn find(&self, backend: &str, name: &str) -> Option<&Row> {
        self.rows.iter().find(|r| r.backend == backend && r.name == name)
    }
}

fn fmt_opt(v: Option<f64>, decimals: usize) -> String {
    match v {
        Some(v) if v.is_finite() => format!("{v:.decimals$}"),
        _ => "–".to_owned(),
    }
}

pub fn header() {
    println!(
        "{:<9} {:<44} {:>5} {:>10} {:>8} {:>8} {:>7} {:>8} {:>8}  vs previous / notes",
        "backend", "measurement", "conn", "req/s", "p50 ms", "p99 ms", "errors", "secs", "peak MiB"
    );
}

fn print_row(row: &Row, previous: Option<&Row>) {
    let mut notes = Vec::new();
    if let Some(prev) = previous {
        if let (Some(now), Some(before)) = (row.requests_per_sec, prev.requests_per_sec)
            && before > 0.0
        {
            notes.push(format!("{:+.0}% req/s", (now / before - 1.0) * 100.0));
        }
        if let (Some(now), Some(before)) = (row.seconds, prev.seconds)
            && before > 0.0
        {
            notes.push(format!("{:+.0}% time", (now / before - 1.0) * 100.0));
        }
    }
    if row.disturbed {
        notes.push("DISTURBED".to_owned());
    }
    if !row.note.is_empty() {
        notes.push(row.note.clone());
    }
    println!(
        "{:<9} {:<44} {:>5} {:>10} {:>8} {:>8} {:>7} {:>8} {:>8}  {}",
        row.backend,
        row.name,
        if row.connections == 0 { "–".to_owned() } else { row.connections.to_string() },
        fmt_opt(row.requests_per_sec, 0),
        fmt_opt(row.p50_ms, 2),
        fmt_opt(row.p99_ms, 2),
        row.errors,
        fmt_opt(row.seconds, 3),
        fmt_opt(row.peak_rss_mib, 1),
        notes.join("; "),
    );
}

/// Prints the whole table (with the previous run's figures beside) and the targets.
pub fn print_summary(results: &Results, previous: Option<&Results>) {
    println!("\n== 结果汇总 / results ==");
    header();
    for row in &results.rows {
        let prev = previous.and_then(|p| p.find(&row.backend, &row.name));
        print_row(row, prev);
    }
    println!("\n== 目标 / targets ==");
    for t in &results.targets {
        println!(
            "[{}] {:<9} {:<58} measured {:<28} required {}",
            if t.met { "met " } else { "MISS" },
            t.backend,
            t.what,
            t.measured,
            t.required
        );
    }
    if results.disturbed {
        println!("\n注意：测量期间有其他进程占用 CPU，标为 DISTURBED 的数字偏低，不宜作为结论。");
    }
}

/// Where results go: `DIR/latest.json` (the previous one kept as `previous.json`) and a
/// copy named after the start time.
pub fn save(results: &Results, dir: &Path) -> anyhow::Result<PathBuf> {
    std::fs::create_dir_all(dir)?;
    let latest = dir.join("latest.json");
    if latest.exists() {
        std::fs::rename(&latest, dir.join("previous.json"))?;
    }
    let json = serde_json::to_string_pretty(results)?;
    std::fs::write(&latest, &json)?;
    let stamped = dir.join(format!("{}.json", results.started_at.replace([':', ' '], "-")));
    std::fs::write(&stamped, &json)?;
    Ok(stamped)
}

pub fn load_previous(dir: &Path) -> Option<Results> {
    let text = std::fs::read_to_string(dir.join("latest.json")).ok()?;
    serde_json::from_str(&text).ok()
}
