//! Command line: serve, migrate, seed, import, export, user.

use std::io::BufRead;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context;
use chrono::{NaiveDate, Utc};
use clap::{Parser, Subcommand};
use indicatif::{ProgressBar, ProgressStyle};

use zhengqiu::config::Settings;
use zhengqiu::db;
use zhengqiu::domain::consultation::VersionLabel;
use zhengqiu::domain::ids::ConsultationId;
use zhengqiu::domain::window::{ConsultationWindow, china_today};
use zhengqiu::drafts;
use zhengqiu::drafts::versions::Change;
use zhengqiu::exports::{Audience, ExportOptions, Format, Grouping, layout, layout_list};
use zhengqiu::models::draft::DraftSource;
use zhengqiu::models::{Consultation, Draft, NewConsultation, User};
use zhengqiu::services::accounts::add_user;
use zhengqiu::services::versions::{self, Comparison};
use zhengqiu::startup::Application;
use zhengqiu::text::similar::Grouper;

#[derive(Parser)]
#[command(name = "zhengqiu", version, about = "征求意见：分条公开征求意见稿，收集意见，记录并公开采纳情况")]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Export a consultation's adoption table (意见采纳情况表).
    Export {
        /// The consultation's id (as in its address /consultations/ID).
        #[arg(long)]
        consultation: i32,
        /// Layout: tongguan (default), feedback_person, channel_remark, summary_first, ledger.
        #[arg(long, default_value = "tongguan")]
        layout: String,
        /// csv, xlsx, docx or json.
        #[arg(long, default_value = "xlsx")]
        format: String,
        /// One row per department/person (per-author) or per opinion (per-opinion);
        /// default: the layout's own.
        #[arg(long)]
        grouping: Option<String>,
        /// Include full names and contacts (for internal use; never publish this file).
        /// Recorded in the staff audit log, with the operator.
        #[arg(long)]
        staff: bool,
        /// Who runs the export, for the audit log (default: the operating-system user).
        #[arg(long)]
        operator: Option<String>,
        /// The table's heading; default: the layout's, made from the draft's title.
        #[arg(long)]
        title: Option<String>,
        /// Output file.
        #[arg(short = 'o', long)]
        output: PathBuf,
    },
    /// Start the web service (the default).
    Serve {
        /// Address to listen on (overrides ZHENGQIU_ADDR).
        #[arg(long)]
        addr: Option<String>,
    },
    /// Apply pending database migrations.
    Migrate,
    /// Load the demo consultations from seeds/ (skips those already present).
    Seed,
    /// Split a document (.txt in UTF-8 or GBK, .md, .docx) into sections; with --create,
    /// store it as a new consultation; with --version-of ID, as a revised version of one.
    Import {
        file: PathBuf,
        /// Store the draft as a new (unpublished) consultation.
        #[arg(long)]
        create: bool,
        /// Store the file as a revised version of consultation ID, its sections matched to the
        /// current version's; when the matching needs a person's check it stays pending for the
        /// staff matching page, otherwise it becomes the current version.
        #[arg(long, value_name = "ID", conflicts_with_all = ["create", "check"])]
        version_of: Option<i32>,
        /// With --version-of: 征求意见稿, 修订稿 (default) or 送审稿.
        #[arg(long, default_value = "修订稿", requires = "version_of")]
        version_label: String,
        #[arg(long)]
        title: Option<String>,
        #[arg(long, default_value = "")]
        issuer: String,
        /// First day of the window (default: today, China time).
        #[arg(long)]
        starts_on: Option<NaiveDate>,
        /// Last day of the window (default: 30 days in all).
        #[arg(long)]
        ends_on: Option<NaiveDate>,
        /// Required when the window is shorter than 30 days.
        #[arg(long)]
        short_period_reason: Option<String>,
        /// With --create: the notice the file holds before the draft (公告) becomes the
        /// consultation's 公告.
        #[arg(long)]
        notice_from_file: bool,
        /// Compare the split with an outline a person wrote (the format of
        /// tests/fixtures/drafts/*.outline) and print precision, recall and level agreement.
        /// When FILE is a folder, every document in it with an .outline of the same name is scored.
        #[arg(long, value_name = "EXPECTED.outline")]
        check: Option<PathBuf>,
        /// With --check: the least precision, recall and level agreement (in %) that pass;
        /// below it the command exits with status 1.
        #[arg(long, default_value_t = 98.0)]
        threshold: f64,
        /// Print the command's peak resident memory at the end (Linux).
        #[arg(long)]
        peak_memory: bool,
    },
    /// Staff accounts: `user add` creates one (the first administrator, say), `user list` lists them.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
}

#[derive(Subcommand)]
enum UserCommand {
    /// Create an account. Without --password-stdin a strong password is generated and printed once.
    Add {
        /// Login name: 2–32 lower-case letters, digits, or . _ -
        #[arg(long)]
        username: String,
        /// The name other staff see, e.g. "区司法局 张三".
        #[arg(long)]
        display_name: String,
        /// admin (manages accounts and every consultation) or drafter (their own consultations).
        #[arg(long)]
        role: String,
        /// Read the password from the first line of standard input (at least 10 characters).
        #[arg(long)]
        password_stdin: bool,
    },
    /// List the accounts.
    List,
}

fn main() -> ExitCode {
    // The log goes to standard error: standard output is for what a command reports.
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .init();
    match run(Cli::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            // What failed and why, each step in its own words on one line; no backtrace.
            eprintln!("错误：{err:#}");
            ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> anyhow::Result<()> {
    let mut settings = Settings::from_env().context("读取设置（环境变量或 .env）")?;
    match cli.command.unwrap_or(Command::Serve { addr: None }) {
        Command::Serve { addr } => {
            if let Some(addr) = addr {
                settings.listen_on(addr);
            }
            serve(settings)
        }
        Command::Migrate => {
            let mut conn = connect(&settings)?;
            let applied = zhengqiu::models::migrate(&mut conn).context("更新数据库结构（迁移）")?;
            println!("{}：已应用 {} 个迁移 {:?}", settings.database_url, applied.len(), applied);
            Ok(())
        }
        Command::Seed => seed(&settings),
        Command::Export { consultation, layout, format, grouping, staff, operator, title, output } => {
            let opts = export_options(grouping.as_deref(), staff, title)?;
            let operator = staff.then(|| operator.unwrap_or_else(os_user));
            export(&settings, consultation, (&layout, &format), opts, operator.as_deref(), &output)
        }
        Command::User { command } => user(&settings, command),
        Command::Import { file, check: Some(expected), threshold, .. } => check_outline(&file, &expected, threshold),
        Command::Import { file, .. } if file.is_dir() => {
            anyhow::bail!("{} 是文件夹：逐个检查文件夹中的文稿请加 --check 文件夹", file.display())
        }
        Command::Import { file, version_of: Some(id), version_label, .. } => {
            import_version(&settings, ConsultationId(id), &file, &version_label)
        }
        Command::Import {
            file,
            create,
            title,
            issuer,
            starts_on,
            ends_on,
            short_period_reason,
            notice_from_file,
            check: None,
            threshold: _,
            peak_memory,
            version_of: _,
            version_label: _,
        } => {
            let bytes = std::fs::read(&file).with_context(|| format!("无法读取文件 {}", file.display()))?;
            let name = file.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
            let reading = spinner(format!("正在拆分 {name}…"));
            let imported = drafts::import(&bytes, &name).map_err(|e| anyhow::anyhow!("{}：{e}", file.display()));
            reading.finish_and_clear();
            let imported = imported?;
            print_outline(&imported);
            if notice_from_file && imported.notice.is_none() {
                anyhow::bail!("{}：正文前没有找到公告，不能使用 --notice-from-file", file.display());
            }
            if notice_from_file && !create {
                println!("（未加 --create：不保存，--notice-from-file 不起作用）");
            }
            if create {
                let today = china_today(Utc::now());
                let start = starts_on.unwrap_or(today);
                let window = match ends_on {
                    Some(end) => ConsultationWindow::for_new_consultation(start, end, short_period_reason.as_deref())
                        .context("征集时间")?,
                    None => ConsultationWindow::standard_from(start),
                };
                let title = title.or(imported.title.clone()).unwrap_or_else(|| name.clone());
                let source = DraftSource {
                    version_label: "征求意见稿",
                    title: &title,
                    file_name: &name,
                    announce_notice: notice_from_file,
                };
                create_consultation(&settings, &imported, &source, &issuer, window, short_period_reason.as_deref())?;
            }
            if peak_memory {
                drop(imported);
                drop(bytes);
                match peak_resident_mib() {
                    Some(mib) => println!("内存峰值：{mib} MiB"),
                    None => println!("内存峰值：无法读取（仅支持 Linux）"),
                }
            }
            Ok(())
        }
    }
}

#[actix_web::main]
async fn serve(settings: Settings) -> anyhow::Result<()> {
    let database = settings.database_url.to_string();
    let public_url = settings.public_url.clone();
    let listen = settings.addr.clone();
    let app = Application::build(settings).await?;
    let addr = bound_addr(&listen, &app);
    println!("zhengqiu 已启动：http://{addr}（数据库：{database}）");
    println!("邮件中的链接指向：{public_url}");
    println!("{}", app.mail_delivery());
    if let Some(logins) = app.demo_logins() {
        // The console, not the log: passwords do not belong in log files.
        println!("{logins}");
        println!("工作人员登录：http://{addr}/staff/login");
    }
    app.run_until_stopped().await?;
    Ok(())
}

/// The listen address with the port actually bound (`:0` picks a free one).
fn bound_addr(configured: &str, app: &Application) -> String {
    match configured.rsplit_once(':') {
        Some((host, _)) => format!("{host}:{}", app.port()),
        None => format!("{configured}:{}", app.port()),
    }
}

fn seed(settings: &Settings) -> anyhow::Result<()> {
    let mut conn = open_database(settings)?;
    let entries = zhengqiu::seed::manifest()?.len() as u64;
    let bar = ProgressBar::new(entries).with_style(
        ProgressStyle::with_template("{bar:30} {pos}/{len} {msg}").unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let now = Utc::now();
    let report = zhengqiu::seed::run(&mut conn, china_today(now), now.naive_utc(), |entry, created| {
        bar.set_message(format!("{}{}", entry.title, if created { "" } else { "（已存在，跳过）" }));
        bar.inc(1);
    })?;
    bar.finish_and_clear();
    println!("演示数据：新建 {} 个意见征集，跳过已存在的 {} 个。", report.created.len(), report.skipped.len());
    if let Some(logins) = zhengqiu::seed::demo_accounts(&mut conn, now.naive_utc())? {
        println!("{logins}");
    }
    Ok(())
}

fn user(settings: &Settings, command: UserCommand) -> anyhow::Result<()> {
    let mut conn = open_database(settings)?;
    match command {
        UserCommand::Add { username, display_name, role, password_stdin } => {
            let password = if password_stdin {
                let mut line = String::new();
                std::io::stdin().lock().read_line(&mut line).context("reading the password from standard input")?;
                Some(line.trim_end_matches(['\r', '\n']).to_owned())
            } else {
                None
            };
            let now = Utc::now().naive_utc();
            let added = add_user(&mut conn, &username, &display_name, &role, password.as_deref(), now)?;
            let user = &added.user;
            println!("已创建账号 {}（{}，{}）", user.username, user.display_name, user.role.label());
            if let Some(password) = added.generated_password {
                println!("初始密码：{}", password.expose());
                println!("此密码只显示这一次，请妥善转交本人。");
            }
            Ok(())
        }
        UserCommand::List => {
            for u in User::list(&mut conn)? {
                let state = if u.active { "启用" } else { "已停用" };
                println!("{}\t{}\t{}\t{state}", u.username, u.display_name, u.role.label());
            }
            Ok(())
        }
    }
}

fn print_outline(imported: &drafts::ImportedDraft) {
    println!("格式：{:?}，编码：{}，共 {} 个部分", imported.format, imported.encoding, imported.sections.len());
    if let Some(notice) = &imported.notice {
        let chars = notice.chars().count();
        println!("正文前的公告：{chars} 字（不作为条目；加 --create --notice-from-file 作为意见征集的公告）");
    }
    if let Some(toc) = &imported.toc {
        println!("目录：{} 行（作为目录显示，不作为条目）", toc.lines().filter(|l| !l.trim().is_empty()).count());
    }
    for section in &imported.sections {
        let indent = "  ".repeat(usize::from(section.level.saturating_sub(1)));
        let chars = section.text.chars().count();
        // The text before the first heading has neither number nor heading: it is the preamble.
        let title = zhengqiu::models::draft::section_title(&section.number, &section.heading);
        println!("{indent}{title}  （{chars} 字）");
    }
}

/// `zhengqiu import FILE --check EXPECTED`: scores the split against outlines a person wrote,
/// prints the table, and fails when precision, recall or level agreement is under `threshold` %.
fn check_outline(file: &std::path::Path, expected: &std::path::Path, threshold: f64) -> anyhow::Result<()> {
    use drafts::score::{ExpectedOutline, corpus_total, format_table, score_document};
    let pairs: Vec<(PathBuf, PathBuf)> = if file.is_dir() {
        let folder = if expected.is_dir() { expected } else { file };
        let mut pairs: Vec<(PathBuf, PathBuf)> = std::fs::read_dir(file)
            .with_context(|| format!("无法读取文件夹 {}", file.display()))?
            .filter_map(|entry| entry.ok().map(|e| e.path()))
            .filter(|p| p.is_file() && p.extension().is_some_and(|ext| ext != "outline"))
            .filter_map(|p| {
                let outline = folder.join(p.file_name()?).with_extension("outline");
                outline.exists().then_some((p, outline))
            })
            .collect();
        pairs.sort();
        pairs
    } else {
        vec![(file.to_path_buf(), expected.to_path_buf())]
    };
    if pairs.is_empty() {
        anyhow::bail!("{} 中没有带同名 .outline 的文稿", file.display());
    }
    let bar = ProgressBar::new(pairs.len() as u64)
        .with_style(indicatif::ProgressStyle::with_template("{msg} [{bar:30}] {pos}/{len}").expect("template"));
    let mut scores = Vec::with_capacity(pairs.len());
    for (document, outline) in &pairs {
        let name = document.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        bar.set_message(format!("正在检查 {name}"));
        let text = std::fs::read_to_string(outline).with_context(|| format!("无法读取 {}", outline.display()))?;
        let expected = ExpectedOutline::parse(&text).map_err(|e| anyhow::anyhow!("{}：{e}", outline.display()))?;
        let bytes = std::fs::read(document).with_context(|| format!("无法读取文件 {}", document.display()))?;
        let imported = drafts::import(&bytes, &name).map_err(|e| anyhow::anyhow!("{}：{e}", document.display()))?;
        scores.push(score_document(&name, &expected, &imported));
        bar.inc(1);
    }
    bar.finish_and_clear();
    print!("{}", format_table(&scores));
    for s in &scores {
        for missed in &s.missed {
            println!("{}：漏掉的标题 {missed}", s.name);
        }
        for extra in &s.extra {
            println!("{}：多出的标题 {extra}", s.name);
        }
        for (heading, want, got) in &s.misplaced {
            println!("{}：{heading} 应为第 {want} 级，分为第 {got} 级", s.name);
        }
    }
    let total = corpus_total(&scores);
    let figures = [("准确率", total.precision()), ("召回率", total.recall()), ("层级一致率", total.level_agreement())];
    let below: Vec<String> = figures
        .iter()
        .filter(|(_, value)| value * 100.0 < threshold)
        .map(|(name, value)| format!("{name} {:.1}%", value * 100.0))
        .collect();
    if below.is_empty() {
        println!("通过：准确率、召回率和层级一致率均不低于 {threshold}%");
        Ok(())
    } else {
        anyhow::bail!("未达到 {threshold}%：{}", below.join("，"))
    }
}

/// This process's peak resident size in MiB (VmHWM in /proc/self/status, Linux only).
fn peak_resident_mib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib.div_ceil(1024))
}

/// A connection to the configured database.
fn connect(settings: &Settings) -> anyhow::Result<db::Conn> {
    db::connect(&settings.database_url).with_context(|| format!("无法连接数据库 {}", settings.database_url))
}

/// A connection to the configured database, its tables brought up to date.
fn open_database(settings: &Settings) -> anyhow::Result<db::Conn> {
    let mut conn = connect(settings)?;
    zhengqiu::models::migrate(&mut conn).context("更新数据库结构（迁移）")?;
    Ok(conn)
}

/// A spinner that turns by itself while a step of unknown length runs (drawn on a terminal only).
fn spinner(message: impl Into<std::borrow::Cow<'static, str>>) -> ProgressBar {
    let bar = ProgressBar::new_spinner().with_message(message);
    bar.enable_steady_tick(Duration::from_millis(120));
    bar
}

/// Stores `imported` as a new unpublished consultation; `source` names its title, file and
/// whether the notice before the draft is its 公告.
fn create_consultation(
    settings: &Settings,
    imported: &drafts::ImportedDraft,
    source: &DraftSource<'_>,
    issuer: &str,
    window: ConsultationWindow,
    short_period_reason: Option<&str>,
) -> anyhow::Result<()> {
    let title = source.title;
    let mut conn = open_database(settings)?;
    let now = Utc::now().naive_utc();
    let bar = spinner("正在保存征求意见稿…");
    let id = db::write_tx(&mut conn, |conn| {
        let id = NewConsultation {
            seed_key: None,
            title,
            issuer,
            notice: "",
            how_to_comment: "",
            starts_on: window.starts_on(),
            ends_on: window.ends_on(),
            short_period_reason,
            published_at: None,
            created_at: now,
            updated_at: now,
            owner_id: None,
        }
        .insert(conn)?;
        Draft::create(conn, id, source, imported, now)?;
        Ok(id)
    })
    .map_err(|e| anyhow::anyhow!("{e:#}"))?;
    bar.finish_and_clear();
    println!("已创建意见征集 #{id}（未发布）：{title}，征集时间 {} 至 {}", window.starts_on(), window.ends_on());
    Ok(())
}

/// `zhengqiu import --version-of ID FILE`: the staff upload of a revision, from the console. The
/// revision is matched and stored pending; it is confirmed here only when nothing in the matching
/// needs a person's eye.
fn import_version(settings: &Settings, id: ConsultationId, file: &Path, label: &str) -> anyhow::Result<()> {
    let label = VersionLabel::parse(label)
        .with_context(|| format!("版本名称“{label}”无效：可用 征求意见稿、修订稿、送审稿"))?;
    let bytes = std::fs::read(file).with_context(|| format!("无法读取文件 {}", file.display()))?;
    let name = file.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let reading = spinner(format!("正在拆分 {name}…"));
    let imported = drafts::import(&bytes, &name).map_err(|e| anyhow::anyhow!("{}：{e}", file.display()));
    reading.finish_and_clear();
    let imported = imported?;
    println!("格式：{:?}，编码：{}，共 {} 个部分", imported.format, imported.encoding, imported.sections.len());
    let mut conn = open_database(settings)?;
    let consultation = Consultation::find(&mut conn, id).map_err(|e| match e {
        diesel::NotFound => anyhow::anyhow!("没有编号为 {id} 的意见征集"),
        other => anyhow::Error::new(other).context("读取意见征集"),
    })?;
    let title = imported.title.clone().unwrap_or_else(|| consultation.title.clone());
    let source = DraftSource { version_label: label.label(), title: &title, file_name: &name, announce_notice: false };
    let matching = spinner("正在与当前版本逐条比对…");
    let grouper = Grouper::new();
    let revision = versions::propose(&mut conn, &grouper, &consultation, &source, &imported, Utc::now())
        .and_then(|revision| Ok((revision, Comparison::load_pending(&mut conn, id, revision)?)));
    matching.finish_and_clear();
    let (revision, comparison) = revision.map_err(|e| anyhow::anyhow!("{e}"))?;
    let summary = comparison.summary();
    println!("与第{}版逐条对应：{}", comparison.older.version_no, summary.line());
    if summary.needs_check() {
        println!(
            "对应关系需要人工核对（移动 {} 条，拆分或合并 {} 处，新增 {} 条，删除 {} 条）：修改稿已保存为待确认版本，当前版本不变。",
            summary.count(Change::Moved),
            summary.splits_and_merges,
            summary.count(Change::New),
            summary.count(Change::Deleted)
        );
        println!("请在 {}/staff/consultations/{id}/versions/pending 核对并确认。", settings.public_url);
        return Ok(());
    }
    versions::confirm(&mut conn, id, revision).map_err(|e| anyhow::anyhow!("{e}"))?;
    println!("已保存为第{}版（{}），并设为当前版本。", comparison.newer.version_no, label.label());
    Ok(())
}

fn export_options(grouping: Option<&str>, staff: bool, title: Option<String>) -> anyhow::Result<ExportOptions> {
    let grouping = match grouping {
        None => None,
        Some("per-author" | "per_author") => Some(Grouping::PerAuthor),
        Some("per-opinion" | "per_opinion") => Some(Grouping::PerOpinion),
        Some(other) => anyhow::bail!("--grouping {other}：请用 per-author 或 per-opinion"),
    };
    let audience = if staff { Audience::Staff } else { Audience::Public };
    Ok(ExportOptions { grouping, audience, title: title.filter(|t| !t.trim().is_empty()), undecided: None })
}

/// The operating-system user running the command, for the audit log.
fn os_user() -> String {
    ["USER", "LOGNAME", "USERNAME"]
        .iter()
        .find_map(|name| std::env::var(name).ok().filter(|v| !v.trim().is_empty()))
        // SAFETY: getuid has no preconditions and cannot fail.
        .unwrap_or_else(|| format!("uid {}", unsafe { libc::getuid() }))
}

/// Exports a table; with contacts (`operator` set), the export is first written to the
/// staff audit log as done from the command line by the operator.
fn export(
    settings: &Settings,
    consultation: i32,
    (layout_key, format): (&str, &str),
    opts: ExportOptions,
    operator: Option<&str>,
    output: &std::path::Path,
) -> anyhow::Result<()> {
    let layout = layout(layout_key).ok_or_else(|| {
        let keys: Vec<&str> = layout_list().iter().map(|l| l.key).collect();
        anyhow::anyhow!("没有名为 {layout_key} 的版式；可用：{}", keys.join("、"))
    })?;
    let format: Format = format.parse().map_err(|e| anyhow::anyhow!("{e}"))?;
    // A fresh database is brought up to date first: "no such table" helps nobody.
    let mut conn = open_database(settings)?;
    let c = match zhengqiu::models::Consultation::find(&mut conn, zhengqiu::domain::ids::ConsultationId(consultation)) {
        Ok(c) => c,
        Err(diesel::NotFound) => {
            anyhow::bail!("没有编号为 {consultation} 的意见征集（编号见其网址 /consultations/编号）")
        }
        Err(err) => return Err(err).context(format!("读取意见征集 #{consultation}")),
    };
    if let Some(operator) = operator {
        let subject = format!("第 {} 号（{layout_key}，{format}，命令行导出）", c.id);
        let actor = format!("命令行：{operator}");
        let action = zhengqiu::models::audit::AuditAction::ExportWithContacts;
        zhengqiu::models::audit::AuditEntry::record(&mut conn, None, &actor, action, &subject, Utc::now().naive_utc())
            .context("写入审计日志（未导出）")?;
    }
    let file = std::fs::File::create(output).with_context(|| format!("无法创建文件 {}", output.display()))?;
    let mut out = std::io::BufWriter::new(file);
    let bar = ProgressBar::new(0).with_style(
        ProgressStyle::with_template("{bar:30} {pos}/{len} 条意见 {elapsed}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    zhengqiu::models::adoption_table::export(
        &mut conn,
        &c,
        &layout,
        &opts,
        format,
        &mut out,
        |total| bar.set_length(total as u64),
        || bar.inc(1),
    )
    .map_err(|e| anyhow::anyhow!("{e:#}"))?;
    std::io::Write::flush(&mut out)?;
    bar.finish_and_clear();
    println!("已导出《{}》的意见采纳情况（{}，{}）到 {}", c.title, layout.name, format.extension(), output.display());
    Ok(())
}
