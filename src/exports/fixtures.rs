//! Test data: the Tongguan seed table (six departments) and a few citizens with contacts.

use crate::domain::adoption::AdoptionStatus;

use super::data::{AuthorKind, ExportData, OpinionRecord, QuietDepartment};

/// The seed draft's title.
pub const SEED_TITLE: &str = "中共铜官区委 铜官区人民政府关于贯彻省市《五大发展行动计划》的实施意见(修订版)";
/// The seed table's title.
pub const SEED_TABLE_TITLE: &str = "关于贯彻省市《五大发展行动计划》的实施意见征求意见部门反馈情况";

/// The table at the end of the seed, cell for cell (undecided cells are empty).
pub const SEED_ROWS: [[&str; 5]; 6] = [
    [
        "1",
        "区人社局",
        "第15页,建议将“开展机关事业单位养老保险制度改革”改为“基本完成机关事业单位养老保险制度改革”;第16页,建议将18项“建立更加健全社会保障体系”责任单位增加区民政局。",
        "",
        "",
    ],
    [
        "2",
        "社区办",
        "第16页,建议第20项中“完善社区自治组织体系”改为“完善社区自治组织体系,规范社会居民理事会建设,坚持“五中心一广场”功能定位,通过小区配套、调剂置换、租赁购置等方式,推进城乡社区综合服务设施建设。”;另外建议在该段增加内容“进一步发挥社区、社会组织、社会工作在创新基层社会治理中的重要作用,逐步形成以社区为平台、社会组织为载体、社会工作为支撑的“三社”相互融合、相互协同、相互促进的运行机制。”",
        "",
        "",
    ],
    [
        "3",
        "区科技局",
        "建议第7页第一项“深化供给侧结构性改革”增加责任单位区建投公司、金狮融资担保公司;第8页第二项“加强创新平台建设”牵头单位“科技局”改为“狮子山高新区”,责任单位增加“区住建局、区环保局、区招商局”;第8页第三项“全面促进科技创新”责任单位增加“区教育局、区金融办、区招商局”;第9页第四项“推进三重一创现代化产业体系建设”中的“强力实施千百十亿工程。。。”责任单位增加区招商局,“强力推进国家服务业综合改革试点。。。”责任单位增加狮子山高新区。",
        "部分采纳",
        "高新区虽为我区创新平台建设的重要阵地,但全区创新平台建设需要全面统筹发展, 也是推动全区创新发展工作的主要任务之一,应由区科技局牵头抓总",
    ],
    [
        "4",
        "区卫计局",
        "第15页,第17项“提升医疗卫生计生水平”建议将“预防保健机构”改为“公共卫生专业机构”,将“完善公立医院药品、耗材、设备集中采购机制”修改为“完善公立医院药品、耗材、集中采购机制”。",
        "",
        "",
    ],
    [
        "5",
        "区市监局",
        "第2页,“自主创新能力显著提升。。。”改为“自主创新能力显著提升,推动创新高质量发展。。。”;第4页,建议“社会托底保障水平进一步提高,教育、文化、卫生计生、。。。”增加食品安全。",
        "",
        "",
    ],
    ["6", "区商务局", "第3页,建议将“进出口总额达到13343万美元”改为“20000万美元”。", "", ""],
];

/// Each department's points: the seed row's 主要意见 split at the ";" between points.
pub const SEED_POINTS: [(&str, &[&str]); 6] = [
    (
        "区人社局",
        &[
            "第15页,建议将“开展机关事业单位养老保险制度改革”改为“基本完成机关事业单位养老保险制度改革”",
            "第16页,建议将18项“建立更加健全社会保障体系”责任单位增加区民政局。",
        ],
    ),
    (
        "社区办",
        &[
            "第16页,建议第20项中“完善社区自治组织体系”改为“完善社区自治组织体系,规范社会居民理事会建设,坚持“五中心一广场”功能定位,通过小区配套、调剂置换、租赁购置等方式,推进城乡社区综合服务设施建设。”",
            "另外建议在该段增加内容“进一步发挥社区、社会组织、社会工作在创新基层社会治理中的重要作用,逐步形成以社区为平台、社会组织为载体、社会工作为支撑的“三社”相互融合、相互协同、相互促进的运行机制。”",
        ],
    ),
    (
        "区科技局",
        &[
            "建议第7页第一项“深化供给侧结构性改革”增加责任单位区建投公司、金狮融资担保公司",
            "第8页第二项“加强创新平台建设”牵头单位“科技局”改为“狮子山高新区”,责任单位增加“区住建局、区环保局、区招商局”",
            "第8页第三项“全面促进科技创新”责任单位增加“区教育局、区金融办、区招商局”",
            "第9页第四项“推进三重一创现代化产业体系建设”中的“强力实施千百十亿工程。。。”责任单位增加区招商局,“强力推进国家服务业综合改革试点。。。”责任单位增加狮子山高新区。",
        ],
    ),
    (
        "区卫计局",
        &[
            "第15页,第17项“提升医疗卫生计生水平”建议将“预防保健机构”改为“公共卫生专业机构”,将“完善公立医院药品、耗材、设备集中采购机制”修改为“完善公立医院药品、耗材、集中采购机制”。",
        ],
    ),
    (
        "区市监局",
        &[
            "第2页,“自主创新能力显著提升。。。”改为“自主创新能力显著提升,推动创新高质量发展。。。”",
            "第4页,建议“社会托底保障水平进一步提高,教育、文化、卫生计生、。。。”增加食品安全。",
        ],
    ),
    ("区商务局", &["第3页,建议将“进出口总额达到13343万美元”改为“20000万美元”。"]),
];

/// The citizens of [`mixed`]: (name, contact).
pub const CITIZENS: [(&str, &str); 4] = [
    ("张小祥", "13800138000"),
    ("朱小明", "zhu.xm@example.com"),
    ("欧阳小明", "0562-2881234"),
    ("John Smith", "+86 139 0000 1111"),
];

/// The six departments' opinions as separate points; 区科技局's second point carries the
/// seed's 部分采纳 and reason, every other point is undecided.
pub fn tongguan() -> ExportData {
    let mut opinions = Vec::new();
    for (d, (unit, points)) in SEED_POINTS.iter().enumerate() {
        for (p, body) in points.iter().enumerate() {
            let id = (d * 10 + p + 1) as i64;
            let mut o = department(id, unit, body);
            o.received_at = format!("2018-01-{:02} 09:{:02}", 10 + d, p);
            if *unit == "区科技局" && p == 1 {
                o.decision = Some(AdoptionStatus::PartlyAdopted);
                o.reason = Some(SEED_ROWS[2][4].to_owned());
            }
            opinions.push(o);
        }
    }
    ExportData {
        document_title: SEED_TITLE.to_owned(),
        issuer: "铜官区人民政府办公室".to_owned(),
        opinions,
        quiet: Vec::new(),
    }
}

/// Departments of [`mixed`] that sent no opinion.
pub fn quiet() -> Vec<QuietDepartment> {
    vec![
        QuietDepartment { name: "区财政局".to_owned(), overdue: false },
        QuietDepartment { name: "区审计局".to_owned(), overdue: true },
    ]
}

/// The Tongguan departments, two departments that sent no opinion, then citizens with
/// contacts, every decision, and cells that need quoting (commas, quotes, line breaks).
pub fn mixed() -> ExportData {
    let mut data = tongguan();
    data.quiet = quiet();
    let decisions =
        [Some(AdoptionStatus::NotAdopted), Some(AdoptionStatus::Adopted), Some(AdoptionStatus::Explained), None];
    let channels = ["平台反馈", "电子邮件", "信函", "座谈会"];
    for (i, (name, contact)) in CITIZENS.iter().enumerate() {
        let mut o = person(100 + i as i64, name, &format!("person-{i}"));
        o.contact = Some((*contact).to_owned());
        o.channel = channels[i].to_owned();
        o.decision = decisions[i];
        o.body = format!("第{}条意见：建议增加\"双创\"扶持,\n并明确资金来源。", i + 1);
        if i == 3 {
            // What a spreadsheet would run as a formula if it were not neutralised.
            o.body = format!("=HYPERLINK(\"http://example.com\",\"点此\")\n{}", o.body);
        }
        o.reason = decisions[i].map(|d| format!("{d}的理由{i}"));
        data.opinions.push(o);
    }
    data
}

/// A department's opinion, undecided.
pub fn department(id: i64, unit: &str, body: &str) -> OpinionRecord {
    OpinionRecord {
        id,
        author_kind: AuthorKind::Department,
        author: unit.to_owned(),
        author_key: format!("dept:{unit}"),
        invited: true,
        contact: None,
        channel: "书面反馈".to_owned(),
        section: None,
        body: body.to_owned(),
        received_at: "2018-01-10 09:00".to_owned(),
        decision: None,
        reason: None,
    }
}

/// A citizen's opinion, undecided, without contact.
pub fn person(id: i64, name: &str, key: &str) -> OpinionRecord {
    OpinionRecord {
        id,
        author_kind: AuthorKind::Person,
        author: name.to_owned(),
        author_key: key.to_owned(),
        invited: false,
        contact: None,
        channel: "平台反馈".to_owned(),
        section: Some("二、实施创新发展行动 › 1. 深化供给侧结构性改革".to_owned()),
        body: "建议细化".to_owned(),
        received_at: "2018-01-20 10:00".to_owned(),
        decision: None,
        reason: None,
    }
}
