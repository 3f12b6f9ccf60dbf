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

/// The staff audit log of the command's database: (actor, action, subject), oldest first.
fn audit_rows(dir: &TempDir) -> Vec<(String, String, String)> {
    use diesel::prelude::*;
    use zhengqiu::db::schema::staff_audit;
    let url = zhengqiu::config::DbUrl::parse(&dir.path().join("cli.db").to_string_lossy()).unwrap();
    let mut conn = zhengqiu::db::connect(&url).unwrap();
    staff_audit::table
        .order(staff_audit::id.asc())
        .select((staff_audit::actor, staff_audit::action, staff_audit::subject))
        .load(&mut conn)
        .unwrap()
}

#[test]
fn an_export_with_contacts_from_the_command_line_is_written_to_the_audit_log() {
    let dir = tempfile::tempdir().unwrap();
    assert!(run(&dir, &["seed"]).status.success());
    let out = dir.path().join("table.csv");
    let out = out.to_str().unwrap();
    let public = run(&dir, &["export", "--consultation", "1", "--format", "csv", "-o", out]);
    assert!(public.status.success(), "{}", stderr(&public));
    assert_eq!(audit_rows(&dir), [], "a table without contacts is not an access to personal data");

    let named =
        run(&dir, &["export", "--consultation", "1", "--format", "csv", "--staff", "--operator", "王五", "-o", out]);
    assert!(named.status.success(), "{}", stderr(&named));
    let by_os_user = zhengqiu(&dir)
        .env("USER", "ops-li")
        .args(["export", "--consultation", "1", "--layout", "ledger", "--format", "xlsx", "--staff", "-o", out])
        .output()
        .unwrap();
    assert!(by_os_user.status.success(), "{}", stderr(&by_os_user));
    assert_eq!(
        audit_rows(&dir),
        [
            (
                "命令行：王五".to_owned(),
                "export_with_contacts".to_owned(),
                "第 1 号（tongguan，csv，命令行导出）".to_owned()
            ),
            (
                "命令行：ops-li".to_owned(),
                "export_with_contacts".to_owned(),
                "第 1 号（ledger，xlsx，命令行导出）".to_owned()
            ),
        ]
    );
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

/// A regulation with its notice in front, as agencies publish them in one file.
const NOTICE_AND_DRAFT: &str = "关于公开征求《测试县养犬管理条例（草案）》意见的公告
为广泛听取社会各界意见，现将《测试县养犬管理条例（草案）》全文公布，征求意见。
一、意见可以通过电子邮件发送至 test@example.cn。
二、征求意见截止时间为2026年12月31日。
附件：测试县养犬管理条例（草案）
测试县司法局
2026年12月1日
测试县养犬管理条例（草案）
第一章 总则
第一条 为了规范养犬行为，制定本条例。
第二章 附则
第二条 本条例自公布之日起施行。
";

#[test]
fn import_create_with_notice_from_file_offers_the_files_notice_as_the_announcement() {
    let dir = tempfile::tempdir().unwrap();
    let draft = dir.path().join("条例.txt");
    std::fs::write(&draft, NOTICE_AND_DRAFT).unwrap();
    let output = run(&dir, &["import", draft.to_str().unwrap(), "--create", "--notice-from-file"]);
    assert!(output.status.success(), "{}", stderr(&output));
    let printed = stdout(&output);
    assert!(printed.contains("正文前的公告：159 字"), "{printed}");
    assert!(printed.contains("第一章 总则") && !printed.contains("二、征求意见截止时间"), "{printed}");
    let url = zhengqiu::config::DbUrl::parse(&dir.path().join("cli.db").to_string_lossy()).unwrap();
    let mut conn = zhengqiu::db::connect(&url).expect("the command's database");
    let draft = zhengqiu::models::Draft::current_for(&mut conn, zhengqiu::domain::ids::ConsultationId(1))
        .unwrap()
        .expect("the stored draft");
    assert!(draft.notice_is_announcement);
    assert!(draft.notice.as_deref().unwrap().starts_with("关于公开征求《测试县养犬管理条例（草案）》意见的公告\n"));
    assert_eq!(draft.title, "测试县养犬管理条例（草案）");

    // A file without a notice: the option is refused rather than silently ignored.
    let plain = dir.path().join("plain.txt");
    std::fs::write(&plain, "第一条 为了规范管理，制定本办法。\n第二条 本办法自公布之日起施行。\n").unwrap();
    let output = run(&dir, &["import", plain.to_str().unwrap(), "--create", "--notice-from-file"]);
    assert_eq!(output.status.code(), Some(1));
    assert!(stderr(&output).contains("正文前没有找到公告，不能使用 --notice-from-file"), "{}", stderr(&output));
}

#[test]
fn import_check_scores_the_split_against_an_expected_outline_and_fails_under_the_threshold() {
    let dir = tempfile::tempdir().unwrap();
    let draft = dir.path().join("条例.txt");
    std::fs::write(&draft, NOTICE_AND_DRAFT).unwrap();
    let right = dir.path().join("right.outline");
    std::fs::write(
        &right,
        "title: 测试县养犬管理条例（草案）\nnotice: yes\ntoc: no\n---\n第一章\n  第一条\n第二章\n  第二条\n",
    )
    .unwrap();
    let output = run(&dir, &["import", draft.to_str().unwrap(), "--check", right.to_str().unwrap()]);
    assert!(output.status.success(), "{}", stderr(&output));
    let printed = stdout(&output);
    let total = printed.lines().find(|l| l.starts_with("total")).expect("a total row");
    let figures: Vec<&str> = total.split_whitespace().collect();
    assert_eq!(figures[1..7], ["4", "4", "4", "100.0%", "100.0%", "100.0%"], "{printed}");
    assert!(printed.contains("通过"), "{printed}");

    // Expected: a heading the file does not have, and 第二条 one level deeper than it is.
    let wrong = dir.path().join("wrong.outline");
    std::fs::write(&wrong, "notice: yes\n---\n第一章\n  第一条\n  第三条\n第二章\n    第二条\n").unwrap();
    let output = run(&dir, &["import", draft.to_str().unwrap(), "--check", wrong.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(1), "{}", stdout(&output));
    let printed = stdout(&output);
    let total = printed.lines().find(|l| l.starts_with("total")).expect("a total row");
    let figures: Vec<&str> = total.split_whitespace().collect();
    // 5 expected, 4 made, 4 matched: precision 100%, recall 80%, level agreement 3 of 4.
    assert_eq!(figures[1..7], ["5", "4", "4", "100.0%", "80.0%", "75.0%"], "{printed}");
    assert!(printed.contains("漏掉的标题 第三条"), "{printed}");
    assert!(printed.contains("第二条 应为第 3 级，分为第 2 级"), "{printed}");
    let said = stderr(&output);
    assert!(said.contains("未达到 98%：召回率 80.0%，层级一致率 75.0%"), "{said}");
    let output =
        run(&dir, &["import", draft.to_str().unwrap(), "--check", wrong.to_str().unwrap(), "--threshold", "70"]);
    assert!(output.status.success(), "{}", stderr(&output));
}

#[test]
fn import_check_of_a_folder_scores_every_document_with_an_outline() {
    let dir = tempfile::tempdir().unwrap();
    let corpus = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/drafts");
    let output = run(&dir, &["import", corpus, "--check", corpus]);
    assert!(output.status.success(), "{}{}", stdout(&output), stderr(&output));
    let printed = stdout(&output);
    // One outline may serve the same draft as .txt, .md and .docx.
    let documents = std::fs::read_dir(corpus)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x != "outline") && p.with_extension("outline").exists())
        .count();
    let rows = printed.lines().filter(|l| !l.starts_with("total") && l.matches('%').count() == 3).count();
    assert!(documents >= 30, "{documents}");
    assert_eq!(rows, documents, "one row per document with an outline: {printed}");
    assert!(printed.lines().any(|l| l.starts_with("total")), "{printed}");
    let output = run(&dir, &["import", corpus]);
    assert_eq!(output.status.code(), Some(1));
    assert!(stderr(&output).contains("是文件夹"), "{}", stderr(&output));
}

fn docx_of_paragraphs(paragraphs: &str) -> Vec<u8> {
    use std::io::Write;
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    zip.start_file("word/document.xml", options).unwrap();
    let w = r#"xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main""#;
    write!(zip, r#"<?xml version="1.0" encoding="UTF-8"?><w:document {w}><w:body>{paragraphs}</w:body></w:document>"#)
        .unwrap();
    zip.finish().unwrap().into_inner()
}

#[test]
fn importing_the_largest_drafts_allowed_stays_under_300_mb() {
    let dir = tempfile::tempdir().unwrap();
    // Just under the 20 MB text limit: a few chapters and long paragraphs.
    let paragraph = "本条例所称养犬人，是指饲养犬只的单位和个人，应当遵守法律法规，尊重社会公德。\n".repeat(120);
    let chapter = format!("第一章 总则\n第一条 目的\n{paragraph}");
    let text = chapter.repeat(19 * 1024 * 1024 / chapter.len());
    let big_text = dir.path().join("big.txt");
    std::fs::write(&big_text, &text).unwrap();
    // Word: just under the 24 MB unpacked limit, in ordinary paragraphs.
    let one = "<w:p><w:r><w:t>本条例所称养犬人，是指饲养犬只的单位和个人，应当遵守法律法规。</w:t></w:r></w:p>";
    let headings = "<w:p><w:r><w:t>第一条 目的</w:t></w:r></w:p>";
    let block = format!("{headings}{}", one.repeat(50));
    let big_docx = dir.path().join("big.docx");
    std::fs::write(&big_docx, docx_of_paragraphs(&block.repeat(23 * 1024 * 1024 / block.len()))).unwrap();
    for file in [&big_text, &big_docx] {
        let output = run(&dir, &["import", file.to_str().unwrap(), "--peak-memory"]);
        assert!(output.status.success(), "{}: {}", file.display(), stderr(&output));
        let printed = stdout(&output);
        let peak: u64 = printed
            .lines()
            .find_map(|l| l.strip_prefix("内存峰值：")?.strip_suffix(" MiB")?.parse().ok())
            .unwrap_or_else(|| panic!("no peak printed: {printed}"));
        println!("zhengqiu import {}: peak {peak} MiB", file.display());
        assert!(peak < 300, "{} peaked at {peak} MiB", file.display());
    }
}

const KUANXIANG_V1: &str = include_str!("../../seeds/raw/versions/kuanxiang-v1.txt");
const KUANXIANG_V2: &str = include_str!("../../seeds/raw/versions/kuanxiang-v2.txt");

/// A consultation #1 on the 2020 text whose window has closed, stored through `import --create`.
fn closed_consultation_on_the_2020_text(dir: &TempDir) {
    let v1 = dir.path().join("条例2020.txt");
    std::fs::write(&v1, KUANXIANG_V1).unwrap();
    let output =
        run(dir, &["import", v1.to_str().unwrap(), "--create", "--starts-on", "2020-01-01", "--ends-on", "2020-02-15"]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(stdout(&output).contains("已创建意见征集 #1"), "{}", stdout(&output));
}

fn versions_in(dir: &TempDir) -> (Option<zhengqiu::models::Draft>, zhengqiu::models::Draft) {
    use zhengqiu::domain::ids::ConsultationId;
    let url = zhengqiu::config::DbUrl::parse(dir.path().join("cli.db").to_str().unwrap()).unwrap();
    let mut conn = zhengqiu::db::connect(&url).unwrap();
    let pending = zhengqiu::models::Draft::pending_for(&mut conn, ConsultationId(1)).unwrap();
    (pending, zhengqiu::models::Draft::current_for(&mut conn, ConsultationId(1)).unwrap().unwrap())
}

#[test]
fn import_version_of_prints_the_matching_and_leaves_a_revision_with_new_articles_for_a_person_to_check() {
    let dir = tempfile::tempdir().unwrap();
    closed_consultation_on_the_2020_text(&dir);
    let v2 = dir.path().join("条例2025.txt");
    std::fs::write(&v2, KUANXIANG_V2).unwrap();
    let output = run(&dir, &["import", "--version-of", "1", v2.to_str().unwrap()]);
    assert!(output.status.success(), "{}", stderr(&output));
    let out = stdout(&output);
    // SOURCES.md: 6 articles and the 5 chapters are new in 2025; no 2020 article went without a successor.
    let summary = out.lines().find(|l| l.starts_with("与第1版逐条对应：")).unwrap_or_else(|| panic!("{out}"));
    assert!(summary.contains("新增 11") && summary.contains("删除 0"), "{summary}");
    assert!(out.contains("对应关系需要人工核对"), "{out}");
    assert!(out.contains("/staff/consultations/1/versions/pending 核对并确认。"), "{out}");
    let (pending, current) = versions_in(&dir);
    assert_eq!(pending.map(|d| (d.version_no, d.version_label)), Some((2, "修订稿".to_owned())));
    assert_eq!(current.version_no, 1, "the published version is untouched");
}

#[test]
fn import_version_of_saves_a_revision_that_only_rewords_articles_as_the_current_version() {
    let dir = tempfile::tempdir().unwrap();
    closed_consultation_on_the_2020_text(&dir);
    let revised = dir.path().join("送审稿.txt");
    std::fs::write(&revised, KUANXIANG_V1.replace("本条例自2020年9月1日起施行。", "本条例自2021年1月1日起施行。"))
        .unwrap();
    let output = run(&dir, &["import", "--version-of", "1", "--version-label", "送审稿", revised.to_str().unwrap()]);
    assert!(output.status.success(), "{}", stderr(&output));
    let out = stdout(&output);
    let summary = out.lines().find(|l| l.starts_with("与第1版逐条对应：")).unwrap_or_else(|| panic!("{out}"));
    assert!(summary.ends_with("修改 1，移动 0，新增 0，删除 0"), "{summary}");
    assert!(out.contains("已保存为第2版（送审稿），并设为当前版本。"), "{out}");
    let (pending, current) = versions_in(&dir);
    assert!(pending.is_none());
    assert_eq!((current.version_no, current.version_label.as_str()), (2, "送审稿"));
}

#[test]
fn import_version_of_an_unknown_consultation_or_with_a_made_up_label_fails_in_chinese() {
    let dir = tempfile::tempdir().unwrap();
    closed_consultation_on_the_2020_text(&dir);
    let file = dir.path().join("修订稿.txt");
    std::fs::write(&file, KUANXIANG_V2).unwrap();
    let output = run(&dir, &["import", "--version-of", "99", file.to_str().unwrap()]);
    assert!(!output.status.success());
    assert_eq!(stderr(&output).trim_end().lines().last(), Some("错误：没有编号为 99 的意见征集"));
    let output = run(&dir, &["import", "--version-of", "1", "--version-label", "三审稿", file.to_str().unwrap()]);
    assert!(!output.status.success());
    assert!(stderr(&output).contains("版本名称“三审稿”无效"), "{}", stderr(&output));
    assert_eq!(versions_in(&dir).1.version_no, 1);
}
