//! The data the benchmark measures with: a 25-section draft published three times
//! (with 0, 10,000 and 100,000 opinions), a staff account, and captcha challenges made
//! beforehand for the opinion POSTs. Written through the library, straight into the
//! database, so that loading 100,000 opinions takes seconds.

use chrono::{Duration, NaiveDateTime, Utc};
use diesel::prelude::*;
use indicatif::{ProgressBar, ProgressStyle};
use rand::Rng;

use zhengqiu::config::DbUrl;
use zhengqiu::db::schema::{captcha_challenges, consultations, departments, opinions, sections};
use zhengqiu::db::{self, Conn};
use zhengqiu::domain::contact::ContactKind;
use zhengqiu::domain::ids::{AgencyId, ConsultationId, DepartmentId, SectionId};
use zhengqiu::domain::receipt::ReceiptCode;
use zhengqiu::domain::source::{Channel, Source};
use zhengqiu::domain::window::china_today;
use zhengqiu::drafts;
use zhengqiu::models::draft::DraftSource;
use zhengqiu::models::opinion::NewOpinion;
use zhengqiu::models::{Draft, NewConsultation};
use zhengqiu::text::normalise::fingerprint;

pub const STAFF_USER: &str = "bench";
pub const STAFF_PASSWORD: &str = "基准测试用的密码 2026";
/// Every pre-made challenge has this answer.
pub const CAPTCHA_ANSWER: &str = "7";

/// One benchmark consultation.
#[derive(Clone, Debug)]
pub struct BenchConsultation {
    pub id: ConsultationId,
    pub opinions: usize,
    /// Section anchors in order.
    pub anchors: Vec<String>,
}

const SUBJECTS: [&str; 10] = [
    "区政府各部门",
    "各街道办事处",
    "区发展改革委",
    "区财政局",
    "区人社局",
    "区科技局",
    "区市场监管局",
    "社区居委会",
    "相关企业",
    "高新区管委会",
];
const ACTIONS: [&str; 10] = [
    "应当加强统筹协调，明确责任分工",
    "应当建立健全工作台账，定期报送进展",
    "应当完善资金保障机制，提高使用效益",
    "应当优化审批流程，压缩办理时限",
    "应当加强监督检查，及时纠正问题",
    "应当推进信息公开，接受社会监督",
    "应当加大政策宣传力度，提高群众知晓率",
    "应当强化人才支撑，完善激励措施",
    "应当做好风险评估，制定应急预案",
    "应当加强部门协作，形成工作合力",
];
const TOPICS: [&str; 10] = [
    "创新驱动发展",
    "城乡环境整治",
    "公共服务均等化",
    "营商环境优化",
    "生态保护修复",
    "老旧小区改造",
    "养老服务体系建设",
    "义务教育资源配置",
    "社区治理现代化",
    "重点项目建设",
];
const SURNAMES: [&str; 12] = ["张", "王", "李", "赵", "刘", "陈", "杨", "黄", "周", "吴", "徐", "孙"];
const GIVEN: [&str; 12] = ["小祥", "建国", "丽", "伟", "芳", "志强", "秀英", "明", "静", "海燕", "磊", "晓东"];
const DEPARTMENTS: [&str; 6] = ["区人社局", "社区办", "区科技局", "区卫计局", "区市监局", "区商务局"];

/// The text of a 25-article draft, each article a few hundred characters.
/// A number in Chinese numerals as article numbers are written (1 to 999): 十一, 二十, 一百零五.
fn chinese_number(n: usize) -> String {
    const DIGITS: [&str; 10] = ["零", "一", "二", "三", "四", "五", "六", "七", "八", "九"];
    let (hundreds, tens, ones) = (n / 100, n / 10 % 10, n % 10);
    let mut text = String::new();
    if hundreds > 0 {
        text.push_str(DIGITS[hundreds]);
        text.push('百');
    }
    match (hundreds > 0, tens) {
        (_, 0) if hundreds > 0 && ones > 0 => text.push('零'),
        (_, 0) => {}
        (false, 1) => text.push('十'),
        _ => {
            text.push_str(DIGITS[tens]);
            text.push('十');
        }
    }
    if ones > 0 {
        text.push_str(DIGITS[ones]);
    }
    text
}

/// The body of the bench draft's article `i` (0-based), as first written.
fn article_body(i: usize) -> String {
    let topic = TOPICS[i % TOPICS.len()];
    let mut body = format!("【{topic}】");
    for j in 0..8 {
        let subject = SUBJECTS[(i + j) % SUBJECTS.len()];
        let action = ACTIONS[(i * 3 + j) % ACTIONS.len()];
        body.push_str(&format!(
            "围绕{topic}（第{i}项），{subject}{action}，到二〇二八年底前基本形成目标明确、措施有力、保障到位的工作格局。"
        ));
    }
    body
}

/// The bench draft with `articles` articles. Revision 0 is the first text; each later
/// revision, as drafters revise: every seventh article reworded, about one in fifty
/// deleted, about one in sixty new articles added, neighbours swapped here and there —
/// and the articles numbered afresh, so that only the text tells where each came from.
pub fn draft_text_of(articles: usize, revision: usize) -> String {
    let mut bodies: Vec<String> = Vec::new();
    for i in 0..articles {
        if revision > 0 && (i + revision).is_multiple_of(53) {
            continue;
        }
        let mut body = article_body(i);
        if revision > 0 && i % 7 == revision % 7 {
            body = body.replacen("到二〇二八年底前", &format!("到{}年底前", 2028 + revision), 1);
            body.push_str("各责任单位每半年报送一次进展情况。");
        }
        bodies.push(body);
        if revision > 0 && i % 61 == 30 {
            bodies.push(format!(
                "【新增事项】第{revision}次修改新增：建立健全意见采纳情况反馈机制，对第{i}项措施的落实情况开展第三方评估，评估结果向社会公开。"
            ));
        }
    }
    if revision > 0 {
        for k in (5..bodies.len().saturating_sub(1)).step_by(97) {
            bodies.swap(k, k + 1);
        }
    }
    let mut text = String::from("某区推进高质量发展若干措施（征求意见稿）\n\n");
    for (k, body) in bodies.iter().enumerate() {
        text.push_str(&format!("第{}条 {body}\n\n", chinese_number(k + 1)));
    }
    text
}

fn opinion_body(i: usize) -> String {
    let topic = TOPICS[i % TOPICS.len()];
    let action = ACTIONS[(i / 10) % ACTIONS.len()];
    let subject = SUBJECTS[(i / 100) % SUBJECTS.len()];
    let mut body = format!("关于{topic}，建议{subject}{action}；第{i}号意见：请在文中增加具体的完成时限和考核办法。");
    if i.is_multiple_of(7) {
        body.push_str("同时建议将“开展”改为“基本完成”，并明确牵头单位。");
    }
    if i % 1000 == 999 {
        // Rare words, for searches that match almost nothing.
        body.push_str("另请考虑湿地公园的候鸟保护。");
    }
    body
}

struct Row {
    section: Option<SectionId>,
    source: Source,
    channel: Channel,
    author: String,
    contact: Option<String>,
    contact_kind: Option<ContactKind>,
    body: String,
    receipt: Option<String>,
    fingerprint: String,
    flagged: bool,
    received_at: NaiveDateTime,
    department: Option<DepartmentId>,
}

fn row(i: usize, sections: &[SectionId], departments: &[DepartmentId], start: NaiveDateTime) -> Row {
    let section = (!i.is_multiple_of(10)).then(|| sections[i % sections.len()]);
    let (source, channel) = match i % 20 {
        0..=15 => (Source::Public, Channel::Online),
        16..=18 => (Source::Department, Channel::DepartmentLink),
        _ => (Source::Offline, Channel::Letter),
    };
    let department = (source == Source::Department).then(|| departments[i % departments.len()]);
    let author = match department {
        Some(_) => DEPARTMENTS[i % DEPARTMENTS.len()].to_owned(),
        None => format!("{}{}", SURNAMES[i % SURNAMES.len()], GIVEN[(i / 12) % GIVEN.len()]),
    };
    let public = source == Source::Public;
    let body = opinion_body(i);
    Row {
        section,
        source,
        channel,
        author,
        contact: public.then(|| format!("139{:08}", i % 100_000_000)),
        contact_kind: public.then_some(ContactKind::Mobile),
        fingerprint: fingerprint(&body),
        body,
        receipt: public.then(|| ReceiptCode::generate(&mut rand::rng()).as_str().to_owned()),
        flagged: i.is_multiple_of(50),
        // Spread over the window's days, a few seconds apart.
        received_at: start + Duration::seconds((i as i64 * 17) % (27 * 86_400)),
        department,
    }
}

fn progress(len: u64, what: &str) -> ProgressBar {
    let bar = ProgressBar::new(len).with_style(
        ProgressStyle::with_template("  {msg:<24} {bar:30} {pos}/{len} {elapsed}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    bar.set_message(what.to_owned());
    bar
}

fn ensure_departments(conn: &mut Conn) -> anyhow::Result<Vec<DepartmentId>> {
    let now = Utc::now().naive_utc();
    let mut ids = Vec::new();
    for name in DEPARTMENTS {
        let existing: Option<DepartmentId> =
            departments::table.filter(departments::name.eq(name)).select(departments::id).first(conn).optional()?;
        let id = match existing {
            Some(id) => id,
            None => zhengqiu::insert_returning!(
                conn,
                departments::table,
                (
                    departments::name.eq(name),
                    departments::emails.eq(""),
                    departments::contact_person.eq(""),
                    departments::phone.eq(""),
                    departments::active.eq(true),
                    departments::created_at.eq(now),
                    departments::updated_at.eq(now),
                ),
                departments::id
            )?,
        };
        ids.push(id);
    }
    Ok(ids)
}

/// Creates one published, open consultation with the 25-article draft and `n` opinions.
pub fn create_consultation(url: &DbUrl, n: usize) -> anyhow::Result<BenchConsultation> {
    create_consultation_with(url, n, 25, false)
}

/// Creates one published consultation with the `articles`-article draft (revision 0) and
/// `n` opinions; `closed`: its window ended ten days ago (revisions may be uploaded).
pub fn create_consultation_with(
    url: &DbUrl,
    n: usize,
    articles: usize,
    closed: bool,
) -> anyhow::Result<BenchConsultation> {
    let mut conn = db::connect(url)?;
    let now = Utc::now();
    let today = china_today(now);
    let (starts, ends) = if closed { (-40, -10) } else { (-2, 28) };
    let title = format!("某区推进高质量发展若干措施（基准测试，{articles} 条，{n} 条意见）");
    let id = NewConsultation {
        seed_key: None,
        title: &title,
        issuer: "某区人民政府办公室",
        notice: "为广泛听取社会各界意见，现将征求意见稿全文公布，欢迎提出意见和建议。",
        how_to_comment: "在本页逐条提出意见，或致函区政府办公室。",
        starts_on: today + Duration::days(starts),
        ends_on: today + Duration::days(ends),
        short_period_reason: None,
        published_at: Some(now.naive_utc()),
        created_at: now.naive_utc(),
        updated_at: now.naive_utc(),
        owner_id: None,
    }
    .insert(&mut conn)?;
    let text = draft_text_of(articles, 0);
    let imported = drafts::import(text.as_bytes(), "bench.txt").map_err(|e| anyhow::anyhow!("{e}"))?;
    let source =
        DraftSource { version_label: "征求意见稿", title: &title, file_name: "bench.txt", announce_notice: false };
    let draft =
        Draft::create(&mut conn, id, &source, &imported, now.naive_utc()).map_err(|e| anyhow::anyhow!("{e:#}"))?;
    // The articles; the title line before them is the draft's preamble.
    let section_rows: Vec<(SectionId, String)> = sections::table
        .filter(sections::draft_id.eq(draft))
        .filter(sections::kind.ne("preamble"))
        .order(sections::position.asc())
        .select((sections::id, sections::anchor))
        .load(&mut conn)?;
    anyhow::ensure!(
        section_rows.len() == articles,
        "the bench draft has {} sections, not {articles}",
        section_rows.len()
    );
    let section_ids: Vec<SectionId> = section_rows.iter().map(|(id, _)| *id).collect();
    let departments = ensure_departments(&mut conn)?;
    let start = (now + Duration::days(starts)).naive_utc();
    if n > 0 {
        let bar = progress(n as u64, &format!("写入 {n} 条意见"));
        // The per-day counters the public chart reads, as the service keeps them.
        let mut per_day: std::collections::BTreeMap<chrono::NaiveDate, (NaiveDateTime, i32)> = Default::default();
        let chunk = 1000;
        for begin in (0..n).step_by(chunk) {
            let rows: Vec<Row> =
                (begin..(begin + chunk).min(n)).map(|i| row(i, &section_ids, &departments, start)).collect();
            let batch: Vec<NewOpinion<'_>> = rows
                .iter()
                .map(|r| NewOpinion {
                    consultation_id: id,
                    section_id: r.section,
                    source: r.source,
                    channel: r.channel,
                    author_name: (&r.author).into(),
                    contact: r.contact.as_deref().map(Into::into),
                    contact_kind: r.contact_kind,
                    body: (&r.body).into(),
                    original_text: None,
                    proposed_text: None,
                    receipt_code: r.receipt.as_deref().map(Into::into),
                    client_hash: None,
                    dedupe_key: None,
                    fingerprint: (&r.fingerprint).into(),
                    flagged: r.flagged,
                    flag_reason: r.flagged.then(|| "含敏感词：测试".into()),
                    received_at: r.received_at,
                    created_at: r.received_at,
                    department_id: r.department,
                    invitation_id: None,
                    seq: None,
                    attachment_id: None,
                    round_no: 1,
                })
                .collect();
            db::write_tx(&mut conn, |conn| {
                zhengqiu::insert_batch!(conn, opinions::table, &batch)?;
                Ok(())
            })
            .map_err(|e| anyhow::anyhow!("{e:#}"))?;
            for r in &rows {
                let day = (r.received_at + Duration::hours(8)).date();
                per_day.entry(day).or_insert((r.received_at, 0)).1 += 1;
            }
            bar.inc(rows.len() as u64);
        }
        bar.finish_and_clear();
        for (received_at, count) in per_day.values() {
            zhengqiu::models::opinion_day::count(&mut conn, id, *received_at, *count)?;
        }
        decide(&mut conn, id)?;
        zhengqiu::models::decision_count::recount(&mut conn, id)?;
        let spinner = ProgressBar::new_spinner().with_message("建立检索索引…");
        spinner.enable_steady_tick(std::time::Duration::from_millis(200));
        zhengqiu::models::search::index_consultation(&mut conn, id)?;
        spinner.finish_and_clear();
        diesel::update(consultations::table.find(id))
            .set(consultations::opinion_count.eq(n as i32))
            .execute(&mut conn)?;
        diesel::sql_query(
            "UPDATE sections SET opinion_count = (SELECT COUNT(*) FROM opinions WHERE opinions.section_id = sections.id) \
             WHERE draft_id = ",
        )
        .sql(draft.0.to_string())
        .execute(&mut conn)?;
    }
    // As autovacuum would have by now on a database that grew this large.
    match conn.backend() {
        zhengqiu::config::Backend::Sqlite => diesel::sql_query("ANALYZE").execute(&mut conn)?,
        zhengqiu::config::Backend::Postgres => diesel::sql_query("VACUUM ANALYZE").execute(&mut conn)?,
    };
    Ok(BenchConsultation { id, opinions: n, anchors: section_rows.into_iter().map(|(_, a)| a).collect() })
}

/// Decides six in ten opinions, spread over the four statuses, as a drafter part-way
/// through the review would have.
fn decide(conn: &mut Conn, id: ConsultationId) -> anyhow::Result<()> {
    let decisions = [
        ("adopted", "NULL", "4, 5"),
        ("partly_adopted", "'部分内容已在其他条款中体现，其余意见予以采纳。'", "6"),
        ("not_adopted", "'上位法已有明确规定，本办法不再重复。'", "7"),
        ("explained", "'该事项已在配套文件中规定。'", "8"),
    ];
    for (decision, reason, remainders) in decisions {
        diesel::sql_query(format!(
            "UPDATE opinions SET decision = '{decision}', decision_reason = {reason}, decided_at = received_at \
             WHERE consultation_id = {} AND id % 10 IN ({remainders})",
            id.0
        ))
        .execute(conn)?;
    }
    Ok(())
}

/// A staff account for the review page and the exports.
pub fn create_staff(url: &DbUrl) -> anyhow::Result<()> {
    let mut conn = db::connect(url)?;
    zhengqiu::services::accounts::add_user(
        &mut conn,
        STAFF_USER,
        "基准测试 管理员",
        "admin",
        Some(STAFF_PASSWORD),
        Utc::now().naive_utc(),
    )
    .map_err(|e| anyhow::anyhow!("{e:#}"))?;
    Ok(())
}

/// `count` captcha challenges with the answer [`CAPTCHA_ANSWER`], valid for an hour.
pub fn premade_captchas(url: &DbUrl, count: usize) -> anyhow::Result<Vec<String>> {
    let mut conn = db::connect(url)?;
    let now = Utc::now().naive_utc();
    let expires = now + Duration::hours(1);
    let ids: Vec<String> = (0..count).map(|_| hex::encode(rand::rng().random::<[u8; 16]>())).collect();
    let bar = progress(count as u64, &format!("预先生成 {count} 个验证码"));
    for chunk in ids.chunks(2000) {
        let rows: Vec<_> = chunk
            .iter()
            .map(|id| {
                (
                    captcha_challenges::id.eq(id.as_str()),
                    captcha_challenges::kind.eq(zhengqiu::captcha::ChallengeKind::Question),
                    captcha_challenges::answer.eq(CAPTCHA_ANSWER),
                    captcha_challenges::expires_at.eq(expires),
                    captcha_challenges::created_at.eq(now),
                )
            })
            .collect();
        zhengqiu::insert_batch!(&mut conn, captcha_challenges::table, &rows)?;
        bar.inc(chunk.len() as u64);
    }
    bar.finish_and_clear();
    Ok(ids)
}

/// How many opinions a consultation holds now (to check that every accepted POST was stored).
pub fn opinion_count(url: &DbUrl, id: ConsultationId) -> anyhow::Result<i64> {
    let mut conn = db::connect(url)?;
    Ok(opinions::table.filter(opinions::consultation_id.eq(id)).count().get_result(&mut conn)?)
}

/// Words the titles of the many consultations are made of, so that a title search finds some.
const PLACES: [&str; 10] =
    ["东城区", "西城区", "南湖区", "北山县", "江口镇", "河西区", "城关镇", "新港区", "高新区", "临江市"];
const SUBJECT_TITLES: [&str; 20] = [
    "养犬管理办法",
    "物业管理条例",
    "生活垃圾分类管理办法",
    "城市绿化条例",
    "停车场管理办法",
    "历史文化街区保护条例",
    "农村人居环境整治实施方案",
    "优化营商环境若干措施",
    "中小学课后服务实施办法",
    "公共租赁住房管理办法",
    "电动自行车管理规定",
    "湿地保护条例",
    "老年人助餐服务实施方案",
    "燃气安全管理办法",
    "户外广告设置管理办法",
    "扬尘污染防治办法",
    "文明行为促进条例",
    "消防安全责任制实施办法",
    "河道管理条例",
    "公共数据开放管理办法",
];

/// A platform's worth of published consultations: `n` of them across `agencies` agencies,
/// each with a three-article draft and its entry in the list's text index, their windows
/// spread over five years (so every status and year filter has some). Loaded in batches,
/// not timed. Returns the agency ids.
pub fn create_platform(url: &DbUrl, n: usize, agencies: usize) -> anyhow::Result<Vec<AgencyId>> {
    use zhengqiu::db::schema::agencies as a;
    let mut conn = db::connect(url)?;
    let now = Utc::now();
    let mut agency_ids = Vec::with_capacity(agencies);
    for k in 0..agencies {
        let place = PLACES[k % PLACES.len()];
        let name = format!("{place}第{}局（基准测试）", k + 1);
        let id: AgencyId = zhengqiu::insert_returning!(
            &mut conn,
            a::table,
            (
                a::name.eq(&name),
                a::short_name.eq(format!("测试{}局", k + 1)),
                a::parent_id.eq(None::<i32>),
                a::contact.eq(""),
                a::created_at.eq(now.naive_utc()),
            ),
            a::id
        )?;
        agency_ids.push(id);
    }
    let text = "征求意见稿\n\n第一条 为了规范管理，保障公共利益，制定本办法。\n\n\
                第二条 本办法适用于本行政区域内的相关活动。\n\n第三条 本办法自发布之日起施行。\n";
    let imported = drafts::import(text.as_bytes(), "platform.txt").map_err(|e| anyhow::anyhow!("{e}"))?;
    let bar = progress(n as u64, &format!("写入 {n} 个意见征集"));
    // A consultation is a dozen small statements, so one connection mostly waits for the
    // round trips: LOADERS connections take batches of BATCH in turn (SQLite's writers queue
    // on the process's write lock, as in the service).
    const LOADERS: usize = 4;
    const BATCH: usize = 500;
    let batches: Vec<usize> = (0..n).step_by(BATCH).collect();
    std::thread::scope(|scope| -> anyhow::Result<()> {
        let loaders: Vec<_> = (0..LOADERS)
            .map(|k| {
                let (batches, agency_ids, imported, bar) = (&batches, &agency_ids, &imported, &bar);
                scope.spawn(move || -> anyhow::Result<()> {
                    let mut conn = db::connect(url)?;
                    for &begin in batches.iter().skip(k).step_by(LOADERS) {
                        let end = (begin + BATCH).min(n);
                        db::write_tx(&mut conn, |conn| {
                            (begin..end).try_for_each(|i| add_platform_consultation(conn, i, agency_ids, imported, now))
                        })
                        .map_err(|e| anyhow::anyhow!("{e:#}"))?;
                        // The growing tables' statistics, so that the foreign-key checks of the next
                        // batch look rows up by key: planned while the tables held a dozen rows, they
                        // read them whole, and loading 10,000 consultations took a minute and a half
                        // on PostgreSQL.
                        if let zhengqiu::config::Backend::Postgres = conn.backend() {
                            diesel::sql_query("ANALYZE consultations, drafts, sections").execute(&mut conn)?;
                        }
                        bar.inc((end - begin) as u64);
                    }
                    Ok(())
                })
            })
            .collect();
        loaders.into_iter().try_for_each(|l| l.join().map_err(|_| anyhow::anyhow!("a loader panicked"))?)
    })?;
    bar.finish_and_clear();
    match conn.backend() {
        zhengqiu::config::Backend::Sqlite => diesel::sql_query("ANALYZE").execute(&mut conn)?,
        zhengqiu::config::Backend::Postgres => diesel::sql_query("VACUUM ANALYZE").execute(&mut conn)?,
    };
    Ok(agency_ids)
}

/// The platform's `i`th consultation: published, of agency `i` mod the agencies, with the
/// three-article draft, its window from about five years ago to two months ahead.
fn add_platform_consultation(
    conn: &mut Conn,
    i: usize,
    agency_ids: &[AgencyId],
    imported: &drafts::ImportedDraft,
    now: chrono::DateTime<Utc>,
) -> Result<(), zhengqiu::error::AppError> {
    let title = format!(
        "{}{}（征求意见稿·{}）",
        PLACES[i % PLACES.len()],
        SUBJECT_TITLES[(i / PLACES.len()) % SUBJECT_TITLES.len()],
        i + 1
    );
    let starts_on = china_today(now) - Duration::days((i as i64 * 7) % 1800) + Duration::days(60);
    let id = NewConsultation {
        seed_key: None,
        title: &title,
        issuer: "某区人民政府办公室",
        notice: "为广泛听取社会各界意见，现将征求意见稿全文公布。",
        how_to_comment: "在本页逐条提出意见。",
        starts_on,
        ends_on: starts_on + Duration::days(30),
        short_period_reason: None,
        published_at: Some(now.naive_utc()),
        created_at: now.naive_utc(),
        updated_at: now.naive_utc(),
        owner_id: None,
    }
    .insert(conn)?;
    diesel::update(consultations::table.find(id))
        .set(consultations::agency_id.eq(agency_ids[i % agency_ids.len()]))
        .execute(conn)?;
    let source =
        DraftSource {
            version_label: "征求意见稿", title: &title, file_name: "platform.txt", announce_notice: false
        };
    // Also enters the consultation in the list's text index.
    Draft::create(conn, id, &source, imported, now.naive_utc())?;
    Ok(())
}
