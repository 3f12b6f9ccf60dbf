//! Times grouping 100,000 opinions: 20 campaigns of 1,000 variants, 10,000 exact copies, 70,000 distinct.
//!
//! Run with `cargo run --release --example group_bench [count]`; set SHOW=1 to print the small groups
//! and time segmentation alone.

use std::time::Instant;

use rand::rngs::StdRng;
use rand::seq::IndexedRandom;
use rand::{Rng, SeedableRng};
use zhengqiu::text::similar::{Candidate, DEFAULT_THRESHOLD, Grouper};

const SUBJECTS: &[&str] = &[
    "区科技局",
    "街道办事处",
    "高新区管委会",
    "市场监管部门",
    "教育主管部门",
    "社区居委会",
    "财政部门",
    "住建部门",
    "交通运输局",
    "生态环境局",
    "卫生健康委",
    "人社部门",
    "文旅部门",
    "应急管理局",
    "农业农村局",
    "自然资源局",
    "水利局",
    "民政局",
    "司法局",
    "商务局",
];
const ACTIONS: &[&str] = &[
    "牵头制定",
    "加快推进",
    "进一步明确",
    "统筹协调",
    "定期公开",
    "严格落实",
    "逐步完善",
    "认真研究",
    "尽快出台",
    "加大投入",
    "强化监督",
    "简化流程",
    "优化调整",
    "广泛听取意见后修改",
    "细化分解",
];
const OBJECTS: &[&str] = &[
    "老旧小区改造方案",
    "养老服务补贴标准",
    "垃圾中转站选址",
    "停车位配建要求",
    "校园周边交通秩序",
    "农村饮水安全工程",
    "社区卫生服务站布局",
    "创业担保贷款政策",
    "公共租赁住房分配办法",
    "河道整治进度",
    "夜间施工审批",
    "电动车充电设施",
    "菜市场升级改造",
    "职业技能培训补贴",
    "防汛应急预案",
    "背街小巷路灯维修",
    "学前教育收费标准",
    "物业服务考核办法",
    "残疾人就业扶持",
    "秸秆综合利用",
];
const REASONS: &[&str] = &[
    "目前群众反映较多",
    "现行规定过于原则",
    "基层执行存在困难",
    "资金来源尚不明确",
    "与上位法衔接不够",
    "部门职责存在交叉",
    "实施时间过于仓促",
    "缺少考核评价机制",
    "信息公开不够及时",
    "配套措施尚未跟上",
    "周边居民意见较大",
    "去年同类问题多次出现",
];
const NAMES: &[&str] = &["张伟", "王芳", "李娜", "刘洋", "陈静", "杨帆", "赵磊", "黄丽", "周杰", "吴敏"];
const ENDINGS: &[&str] = &["。", "", "！", "。谢谢！", "。望采纳。"];

fn clause(rng: &mut StdRng) -> String {
    format!(
        "{}，建议{}{}{}。",
        REASONS.choose(rng).unwrap(),
        SUBJECTS.choose(rng).unwrap(),
        ACTIONS.choose(rng).unwrap(),
        OBJECTS.choose(rng).unwrap()
    )
}

fn distinct(rng: &mut StdRng) -> String {
    let n = rng.random_range(2..=5);
    (0..n).map(|_| clause(rng)).collect()
}

fn variant(template: &str, rng: &mut StdRng) -> String {
    let text = format!("我是{}，{}{}", NAMES.choose(rng).unwrap(), template, ENDINGS.choose(rng).unwrap());
    if rng.random_bool(0.5) { text.replace('，', ",") } else { text }
}

fn main() {
    let count: usize = std::env::args().nth(1).and_then(|a| a.parse().ok()).unwrap_or(100_000);
    let mut rng = StdRng::seed_from_u64(2024);
    let templates: Vec<String> = (0..20).map(|_| distinct(&mut rng) + &distinct(&mut rng)).collect();
    let copied: Vec<String> = (0..10).map(|_| distinct(&mut rng)).collect();
    let texts: Vec<String> = (0..count)
        .map(|i| match i % 10 {
            0 | 1 => variant(&templates[(i / 10) % 20], &mut rng),
            2 => copied[(i / 10) % 10].replace('。', if i % 3 == 0 { "！" } else { "。" }),
            _ => distinct(&mut rng),
        })
        .collect();
    let items: Vec<Candidate> = texts.iter().enumerate().map(|(i, t)| Candidate { id: i as i64, text: t }).collect();
    let chars: usize = texts.iter().map(|t| t.chars().count()).sum();

    let start = Instant::now();
    let grouper = Grouper::new();
    let loaded = start.elapsed();
    let start = Instant::now();
    let groups = grouper.groups(&items, DEFAULT_THRESHOLD);
    let grouped = start.elapsed();

    let exact = groups.iter().filter(|g| g.exact).count();
    let largest = groups.first().map_or(0, |g| g.ids.len());
    let min_similarity = groups.iter().map(|g| g.similarity).fold(1.0, f64::min);
    println!("opinions: {count} ({:.1} chars on average)", chars as f64 / count.max(1) as f64);
    println!("Grouper::new: {loaded:.2?}");
    println!("groups(): {grouped:.2?}");
    println!("groups: {} ({exact} exact), largest {largest}, lowest similarity {min_similarity:.3}", groups.len());
    if std::env::var_os("SHOW").is_some() {
        for g in groups.iter().filter(|g| g.ids.len() < 100) {
            println!("{:?} {}", g.ids, g.similarity);
            for id in &g.ids {
                println!("   {}", texts[*id as usize]);
            }
        }
        let start = Instant::now();
        let tokens: usize = texts.iter().map(|t| grouper.tokens(t).len()).sum();
        println!("tokens only: {:.2?}, {tokens} tokens", start.elapsed());
    }
}
