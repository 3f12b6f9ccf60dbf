//! Times each export format on 100,000 generated opinions and reports peak memory (VmHWM).
//!
//! `cargo run --release --example export_bench [ROWS]`: the parent re-runs itself once per
//! format and input mode, so each child's VmHWM is that export's own peak.
//! Modes: `stream` feeds the writer from an iterator (as the service will, from the database);
//! `vec` builds the whole `ExportData` first (its ~100 MB of input counts in the peak).

use std::fs::File;
use std::io::BufWriter;
use std::process::Command;
use std::time::Instant;

use zhengqiu::domain::adoption::AdoptionStatus;
use zhengqiu::exports::{
    Audience, AuthorKind, ExportData, ExportHead, ExportOptions, Format, OpinionRecord, Summary, layout, write,
    write_stream,
};

const BODY: &str = "建议将“开展机关事业单位养老保险制度改革”改为“基本完成机关事业单位养老保险制度改革”，并明确责任单位和完成时限，增加区民政局为责任单位。";

fn opinion(i: usize) -> OpinionRecord {
    let person = !i.is_multiple_of(5);
    let decision = match i % 5 {
        0 => Some(AdoptionStatus::Adopted),
        1 => Some(AdoptionStatus::PartlyAdopted),
        2 => Some(AdoptionStatus::NotAdopted),
        3 => Some(AdoptionStatus::Explained),
        _ => None,
    };
    OpinionRecord {
        id: i as i64,
        author_kind: if person { AuthorKind::Person } else { AuthorKind::Department },
        author: if person { "张小祥".into() } else { format!("区第{}局", i / 5) },
        // Three opinions per author, adjacent, so per-author rows can stream.
        author_key: format!("a{}", i / 3),
        invited: false,
        contact: Some(format!("138{i:08}")),
        channel: "平台反馈".into(),
        section: Some("二、实施创新发展行动 › 1. 深化供给侧结构性改革".into()),
        body: format!("第{i}条：{BODY}"),
        received_at: "2018-01-12 09:30".into(),
        decision,
        reason: decision.map(|d| format!("{d}：上位法已有规定，第{i}条意见按程序办理。")),
    }
}

fn peak_rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

fn child(format: Format, mode: &str, n: usize, layout_key: &str) {
    let layout = layout(layout_key).expect("layout");
    let opts = ExportOptions { grouping: None, audience: Audience::Public, title: None, undecided: None, round: None };
    let path = std::env::temp_dir().join(format!("export_bench_{mode}.{}", format.extension()));
    let mut out = BufWriter::new(File::create(&path).expect("temp file"));
    let before = peak_rss_kib();
    let start = Instant::now();
    let result = if mode == "vec" {
        let data = ExportData {
            document_title: "关于贯彻省市《五大发展行动计划》的实施意见".into(),
            issuer: "铜官区人民政府办公室".into(),
            opinions: (0..n).map(opinion).collect(),
            quiet: Vec::new(),
        };
        write(&data, &layout, &opts, format, &mut out)
    } else {
        let mut summary = Summary::default();
        (0..n).for_each(|i| summary.add(opinion(i).decision));
        let head = ExportHead {
            document_title: "关于贯彻省市《五大发展行动计划》的实施意见".into(),
            issuer: "铜官区人民政府办公室".into(),
            summary,
            quiet: Vec::new(),
            departments: true,
        };
        write_stream(&head, (0..n).map(opinion), &layout, &opts, format, &mut out)
    };
    result.expect("export");
    drop(out);
    let secs = start.elapsed().as_secs_f64();
    let size = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
    let _ = std::fs::remove_file(&path);
    println!(
        "{:<5} {:<6} {:>8.2} s  peak RSS {:>7.1} MiB (at start {:>5.1} MiB)  file {:>7.1} MiB",
        format.extension(),
        mode,
        secs,
        peak_rss_kib() as f64 / 1024.0,
        before as f64 / 1024.0,
        size as f64 / 1_048_576.0
    );
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.len() >= 6 && args[1] == "--child" {
        let format: Format = args[2].parse().expect("format");
        child(format, &args[3], args[4].parse().expect("rows"), &args[5]);
        return;
    }
    let n: usize = args.get(1).and_then(|s| s.parse().ok()).unwrap_or(100_000);
    let layout_key = args.get(2).map(String::as_str).unwrap_or("tongguan");
    println!("{n} opinions, layout {layout_key}, public audience, default grouping");
    let exe = std::env::current_exe().expect("own path");
    for mode in ["stream", "vec"] {
        for format in Format::ALL {
            let status = Command::new(&exe)
                .args(["--child", format.extension(), mode, &n.to_string(), layout_key])
                .status()
                .expect("child runs");
            assert!(status.success(), "{format} {mode} failed");
        }
    }
}
