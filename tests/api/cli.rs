//! The command line, run as the real binary: what an operator sees on the console.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

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
