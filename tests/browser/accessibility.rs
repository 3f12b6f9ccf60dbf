//! Every public page and every staff page, at phone and desktop sizes: axe-core finds no WCAG 2.1 A/AA violation,
//! nothing sticks out past the window's right edge (a clipped link in the header, a label pushed off a phone),
//! and a screenshot is kept.

use crate::app::{TestApp, spawn_seeded_app};
use crate::axe::{self, Checked};
use crate::browser::{Browser, DESKTOP, SIZES, Script};
use crate::steps::{
    HUANGJIANG, SEND, TONGGUAN, fill_opinion, invite_and_show_link, log_in, publish_feedback, send_opinion,
};

/// How a page is reached.
enum Reach {
    /// Opened by its address, by the public browser or the administrator's.
    Public(String),
    Staff(String),
    /// The opinion form as it comes back after a wrong captcha.
    WrongCaptcha(String),
    /// The invitations page showing a link generated for a department (shown once).
    NewLink(u32),
}

struct Page {
    /// The screenshot's name and the table's row.
    name: &'static str,
    reach: Reach,
    /// The page's main heading, to be sure the page checked is the one meant.
    h1: String,
}

fn page(name: &'static str, reach: Reach, h1: &str) -> Page {
    Page { name, reach, h1: h1.to_owned() }
}

/// What the pages need to exist: two public opinions (a group of two), a department's link, the
/// Tongguan feedback published, and a new consultation with an uploaded draft (its outline).
struct Made {
    receipt: String,
    reply_path: String,
    section_path: String,
    opinion_path: String,
    outline_path: String,
    department_path: String,
    account_path: String,
}

async fn make_everything(app: &TestApp, public: &Browser, staff: &Browser) -> Made {
    let body = "建议公开各项重点工作的责任单位和完成时限。";
    let receipt = send_opinion(public, app, HUANGJIANG, body).await;
    public.goto(&format!("/consultations/{HUANGJIANG}/opinions/new")).await;
    fill_opinion(public, "孙丽", "13612345678", body).await;
    let answer = crate::steps::captcha_answer(public, app).await;
    public.fill("#f-captcha_answer", &answer).await;
    public.follow(SEND).await;
    assert_eq!(public.text("h1").await, "意见回执");
    public.goto(&format!("/consultations/{HUANGJIANG}")).await;
    let section_path = href(public, ".draft-section [id^='h-'] a").await;

    log_in(staff, &app.admin()).await;
    let (_, link) = invite_and_show_link(staff, HUANGJIANG).await;
    let reply_path = url::Url::parse(&link).expect("a link").path().to_owned();
    publish_feedback(staff, TONGGUAN, "感谢各单位提出的宝贵意见。").await;
    staff.goto(&format!("/staff/consultations/{TONGGUAN}/review")).await;
    let opinion_path = href(staff, ".workbench-panel a.opinion-page").await;
    staff.goto("/staff/departments").await;
    let department_path = href(staff, "table a[href^='/staff/departments/']").await;
    staff.goto("/staff/users").await;
    let account_path = href(staff, "table a[href^='/staff/users/']").await;

    staff.goto("/staff/consultations/new").await;
    staff.fill("#title", "关于《测试县公共图书馆管理办法（征求意见稿）》公开征求意见").await;
    staff.fill("#issuer", "测试县文化和旅游局").await;
    staff.follow_text("form button[type=submit]", "创建").await;
    assert_eq!(staff.text("h1").await, "上传征求意见稿");
    let draft = tempfile::Builder::new().suffix(".txt").tempfile().expect("a draft file");
    let text = "测试县公共图书馆管理办法\n第一章 总则\n第一条 为了规范图书馆管理，制定本办法。\n第二条 本办法适用于本县公共图书馆。\n第二章 服务\n第三条 图书馆免费开放。\n";
    std::fs::write(draft.path(), text).expect("write the draft");
    staff.find("#file").await.send_keys(&draft.path().to_string_lossy()).await.expect("choose the file");
    staff.follow_text("form button[type=submit]", "上传").await;
    assert!(staff.text(".flash-ok").await.contains("请核对下面的大纲"), "the outline after the upload");
    let outline_path = staff.path().await;
    Made { receipt, reply_path, section_path, opinion_path, outline_path, department_path, account_path }
}

/// The review page with the opinion of `opinion_path` open in its workbench.
fn workbench_path(opinion_path: &str) -> String {
    let (consultation, opinion) = opinion_path.split_once("/opinions/").expect("an opinion's path");
    format!("{consultation}/review?decision=undecided&opinion={opinion}")
}

async fn href(browser: &Browser, css: &str) -> String {
    let href = browser.find(css).await.attr("href").await.expect("href").expect("a link");
    url::Url::parse("http://x").unwrap().join(&href).expect("a link").path().to_owned()
}

fn pages(made: &Made) -> Vec<Page> {
    let c = |id: u32, rest: &str| format!("/consultations/{id}{rest}");
    let s = |id: u32, rest: &str| format!("/staff/consultations/{id}{rest}");
    let tongguan = "中共铜官区委 铜官区人民政府关于贯彻省市《五大发展行动计划》的实施意见征求意见";
    let huangjiang = "关于《2021年黄江镇政府工作计划》公开征求意见";
    use Reach::*;
    vec![
        page("home", Public("/".into()), "意见征集"),
        page("consultation", Public(c(HUANGJIANG, "")), huangjiang),
        page("notice", Public(c(HUANGJIANG, "/notice")), huangjiang),
        page("section", Public(made.section_path.clone()), ""),
        page("opinion-form", Public(c(HUANGJIANG, "/opinions/new")), "提出意见"),
        page("opinion-form-wrong-captcha", WrongCaptcha(c(HUANGJIANG, "/opinions/new")), "提出意见"),
        page("opinion-form-closed", Public(c(TONGGUAN, "/opinions/new")), ""),
        page("receipt-lookup", Public("/receipts".into()), "查询意见回执"),
        page("receipt", Public(format!("/receipts/{}", made.receipt)), "意见回执"),
        page("feedback", Public(c(TONGGUAN, "/feedback")), &format!("意见反馈：{tongguan}")),
        page("department-reply", Public(made.reply_path.clone()), "书面反馈意见"),
        page("not-found", Public("/no-such-page".into()), ""),
        page("staff-login", Public("/staff/login".into()), "工作人员登录"),
        page("staff-dashboard", Staff("/staff".into()), "意见征集管理"),
        page("staff-consultation", Staff(s(TONGGUAN, "")), tongguan),
        page("staff-new-consultation", Staff("/staff/consultations/new".into()), "新建意见征集"),
        page("staff-upload", Staff(s(TONGGUAN, "/draft")), "上传征求意见稿"),
        page("staff-outline", Staff(made.outline_path.clone()), "核对大纲"),
        page("staff-review", Staff(s(TONGGUAN, "/review")), "逐条处理意见"),
        page("staff-opinion", Staff(made.opinion_path.clone()), "意见 #"),
        page("staff-workbench", Staff(workbench_path(&made.opinion_path)), "逐条处理意见"),
        page("staff-groups", Staff(s(HUANGJIANG, "/groups")), "相同或相似的意见"),
        page("staff-exports", Staff(s(TONGGUAN, "/exports")), "导出意见采纳情况表"),
        page("staff-feedback", Staff(s(TONGGUAN, "/feedback")), "公布意见反馈"),
        page("staff-departments", Staff("/staff/departments".into()), "单位名录"),
        page("staff-department", Staff(made.department_path.clone()), "修改单位信息："),
        page("staff-invitations", Staff(s(HUANGJIANG, "/invitations")), "书面征求意见"),
        page("staff-invitations-new-link", NewLink(HUANGJIANG), "书面征求意见"),
        page("staff-intake", Staff(s(TONGGUAN, "/intake")), "线下意见录入"),
        page("staff-accounts", Staff("/staff/users".into()), "账号管理"),
        page("staff-account", Staff(made.account_path.clone()), "账号 "),
        page("staff-mail", Staff("/staff/mail".into()), "邮件发送"),
        page("home-search", Public("/?q=%E8%AE%A1%E5%88%92&status=closed".into()), "意见征集"),
        page("agencies", Public("/agencies".into()), "发布单位"),
        page("agency", Public("/agencies/1".into()), "默认单位"),
        page("version", Public(c(TONGGUAN, "/versions/1")), ""),
        page("staff-versions", Staff(s(TONGGUAN, "/versions")), "草案版本"),
        page("staff-agencies", Staff("/staff/agencies".into()), "单位与人员"),
        page("staff-agency", Staff("/staff/agencies/1".into()), "默认单位"),
        page("staff-audit", Staff("/staff/audit".into()), "操作记录"),
    ]
}

/// Opens `page` in the browser it belongs to; returns that browser.
async fn show<'a>(page: &Page, public: &'a Browser, staff: &'a Browser) -> &'a Browser {
    let browser = match &page.reach {
        Reach::Public(path) => {
            public.goto(path).await;
            public
        }
        Reach::Staff(path) => {
            staff.goto(path).await;
            staff
        }
        Reach::WrongCaptcha(path) => {
            public.goto(path).await;
            fill_opinion(public, "周敏", "13512345678", "建议增加社区养老服务的内容。").await;
            public.fill("#f-captcha_answer", "0").await;
            public.follow(SEND).await;
            assert!(!public.find_all("#e-captcha_answer").await.is_empty(), "the wrong captcha was refused");
            public
        }
        Reach::NewLink(id) => {
            staff.goto(&format!("/staff/consultations/{id}/invitations")).await;
            staff.follow("button[name=deliver][value=show]").await;
            assert!(!staff.find_all("#new-link-url").await.is_empty(), "a new link is shown");
            staff
        }
    };
    let h1 = browser.text("h1").await;
    assert!(h1.starts_with(&page.h1), "{}: the page's heading is {h1:?}, not {:?}", page.name, page.h1);
    browser
}

#[actix_web::test]
async fn every_public_and_staff_page_passes_axe_at_phone_and_desktop_sizes() {
    let app = spawn_seeded_app().await;
    let mut public = Browser::open(&app, DESKTOP, Script::On).await;
    let mut staff = Browser::open(&app, DESKTOP, Script::On).await;
    let made = make_everything(&app, &public, &staff).await;
    let pages = pages(&made);
    let mut checked = Vec::new();
    let mut badly_laid_out = Vec::new();
    for size in SIZES {
        public.resize(size).await;
        staff.resize(size).await;
        for page in &pages {
            let browser = show(page, &public, &staff).await;
            browser.screenshot(page.name).await;
            for element in layout_faults(browser).await {
                badly_laid_out.push(format!("{} ({}): {element}", page.name, size.name));
            }
            let results = axe::check(browser).await;
            assert!(results.passes > 10, "{}: axe found almost nothing to check", page.name);
            checked.push(Checked { page: page.name.to_owned(), size: size.name, results });
        }
    }
    let report = axe::report(&checked);
    println!("{report}");
    public.close().await;
    staff.close().await;
    assert!(badly_laid_out.is_empty(), "pages laid out badly:\n{}", badly_laid_out.join("\n"));
    let failing = checked.iter().filter(|c| !c.results.violations.is_empty()).count();
    assert_eq!(failing, 0, "{failing} of {} pages have accessibility violations:\n{report}", checked.len());
}

#[actix_web::test]
async fn axe_reports_a_picture_without_a_text_alternative_and_a_page_without_a_language() {
    let app = spawn_seeded_app().await;
    let browser = Browser::open(&app, DESKTOP, Script::On).await;
    browser
        .client
        .goto("data:text/html,<title>t</title><main><img src='/a.png'></main>")
        .await
        .expect("a page made to fail");
    let rules: Vec<String> = axe::check(&browser).await.violations.into_iter().map(|v| v.id).collect();
    assert!(rules.contains(&"image-alt".to_owned()) && rules.contains(&"html-has-lang".to_owned()), "{rules:?}");
    browser.close().await;
}

/// Visible elements whose box reaches past the window's right or left edge, outside the
/// regions made to scroll sideways (wide tables, code) and the parts kept off-screen on
/// purpose (the skip link, text for screen readers only): "tag.class 「text」 right=N of W";
/// and chart labels that wrap, and disabled buttons styled as enabled ones.
async fn layout_faults(browser: &Browser) -> Vec<String> {
    let found = browser
        .execute(
            r#"
            const width = document.documentElement.clientWidth;
            const out = [];
            for (const el of document.querySelectorAll('body *')) {
              if (el.closest('.table-scroll, pre, svg, .visually-hidden, .skip-link, .honeypot, .default-action')) continue;
              const style = getComputedStyle(el);
              if (style.visibility === 'hidden' || style.position === 'fixed') continue;
              const r = el.getBoundingClientRect();
              if (r.width === 0 || r.height === 0) continue;
              if (r.right > width + 1 || r.left < -1) {
                const text = (el.textContent || '').trim().slice(0, 16);
                out.push(`${el.tagName.toLowerCase()}.${el.className} 「${text}」 left=${Math.round(r.left)} right=${Math.round(r.right)} of ${width}`);
              }
            }
            // A bar's count 「11 条（92%）」 stays on one line beside its bar.
            for (const label of document.querySelectorAll('.bar-chart .bar-wrap > span:last-child')) {
              const text = document.createRange();
              text.selectNodeContents(label);
              const lines = new Set([...text.getClientRects()].map(r => Math.round(r.top)));
              if (lines.size > 1) out.push(`bar label 「${label.textContent}」 wraps`);
            }
            // A button that does nothing here does not look like one that does.
            for (const button of document.querySelectorAll('button:disabled')) {
              if (getComputedStyle(button).cursor !== 'not-allowed') out.push(`disabled button 「${button.textContent}」 looks enabled`);
            }
            return out.slice(0, 8);
            "#,
            vec![],
        )
        .await;
    found.as_array().map(|a| a.iter().filter_map(|v| v.as_str().map(str::to_owned)).collect()).unwrap_or_default()
}
