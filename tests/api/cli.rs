//! The command line, run as the real binary: what an operator sees on the console.

use std::io::{BufRead, BufReader};
use std::process::{Command, Output, Stdio};

use tempfile::TempDir;

/// `zhengqiu` with a fresh data directory (SQLite), no demo data, and no `.env` of the
/// repository in its way.
pub fn zhengqiu(dir: &TempDir) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_zhengqiu"));
    command
        .current_dir(dir.path())
        .env_clear()
        .env("ZHENGQIU_DATA_DIR", dir.path())
        .env("DATABASE_URL", dir.path().join("cli.db"))
        .env("ZHENGQIU_SEED_ON_START", "false")
        .env("RUST_LOG", "warn");
    command
}

/// Runs `zhengqiu` with `args`; returns what it printed and how it ended.
fn run(dir: &TempDir, args: &[&str]) -> Output {
    zhengqiu(dir).args(args).output().expect("zhengqiu runs")
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// Starts `zhengqiu serve …`, reads its console until the line starting with `until`, stops it.
fn console_of_serve(mut command: Command, until: &str) -> Vec<String> {
    let mut child = command.stdout(Stdio::piped()).stderr(Stdio::null()).spawn().expect("zhengqiu serve starts");
    let mut lines = Vec::new();
    for line in BufReader::new(child.stdout.take().unwrap()).lines() {
        let line = line.unwrap();
        let done = line.starts_with(until);
        lines.push(line);
        if done {
            break;
        }
    }
    child.kill().expect("stop the server");
    child.wait().unwrap();
    lines
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

#[test]
fn serve_with_addr_links_mail_to_the_configured_public_url_and_to_itself_otherwise() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let addr = format!("127.0.0.1:{port}");
    let mut configured = zhengqiu(&dir);
    configured.env("ZHENGQIU_PUBLIC_URL", "https://zhengqiu.example.gov.cn/").args(["serve", "--addr", &addr]);
    let console = console_of_serve(configured, "邮件中的链接指向");
    assert!(
        console.contains(&format!(
            "zhengqiu 已启动：http://{addr}（数据库：SQLite file {}）",
            dir.path().join("cli.db").display()
        )),
        "{console:?}"
    );
    assert_eq!(console.last().unwrap(), "邮件中的链接指向：https://zhengqiu.example.gov.cn");

    let port = free_port();
    let mut unset = zhengqiu(&dir);
    unset.args(["serve", "--addr", &format!("127.0.0.1:{port}")]);
    let console = console_of_serve(unset, "邮件中的链接指向");
    assert_eq!(console.last().unwrap(), &format!("邮件中的链接指向：http://127.0.0.1:{port}"));
}

#[test]
fn export_on_a_fresh_database_brings_it_up_to_date_and_says_which_consultation_is_missing() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("table.csv");
    let output = run(&dir, &["export", "--consultation", "1", "--format", "csv", "-o", out.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(1));
    let said = stderr(&output);
    assert!(said.contains("错误：没有编号为 1 的意见征集"), "{said}");
    assert!(!said.contains("no such table") && !said.contains("Error:") && !said.contains("Stack backtrace"), "{said}");
}

#[test]
fn export_writes_the_seeded_tongguan_table_to_a_file() {
    let dir = tempfile::tempdir().unwrap();
    assert!(run(&dir, &["seed"]).status.success());
    let out = dir.path().join("table.csv");
    let output = run(&dir, &["export", "--consultation", "1", "--format", "csv", "-o", out.to_str().unwrap()]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(stdout(&output).starts_with("已导出《"), "{}", stdout(&output));
    let csv = std::fs::read_to_string(&out).unwrap();
    assert!(csv.contains("序号,单位,主要意见,意见采纳情况,未采纳原因") && csv.contains("区商务局"), "{csv}");
}

#[test]
fn import_prints_the_outline_with_the_preamble_named_and_fails_in_chinese() {
    let dir = tempfile::tempdir().unwrap();
    let draft = dir.path().join("draft.txt");
    std::fs::write(
        &draft,
        "为了规范管理，制定本办法。\n一、总则\n本办法适用于全区。\n二、附则\n本办法自公布之日起施行。\n",
    )
    .unwrap();
    let output = run(&dir, &["import", draft.to_str().unwrap()]);
    assert!(output.status.success(), "{}", stderr(&output));
    let outline: Vec<String> = stdout(&output).lines().map(str::to_owned).collect();
    assert_eq!(
        outline,
        ["格式：Text，编码：UTF-8，共 3 个部分", "前言  （14 字）", "一、总则  （15 字）", "二、附则  （18 字）"]
    );

    let missing = dir.path().join("no-such-draft.docx");
    let output = run(&dir, &["import", missing.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(1));
    let said = stderr(&output);
    assert!(said.starts_with("错误：无法读取文件 ") && said.contains("no-such-draft.docx"), "{said}");
    assert_eq!(said.lines().count(), 1, "one line, no backtrace: {said}");
}
