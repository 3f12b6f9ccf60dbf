//! Times grouping from stored signatures on the benchmark's large consultation (`bench --only review`):
//! opinions that differ in a number and share most of their words, so most band buckets are crowded.
//!
//! Run with `cargo run --release --example stored_group_bench [count]` (default 10,000).

use std::time::Instant;

use zhengqiu::text::similar::{DEFAULT_THRESHOLD, Grouper, Signature, groups_of};

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

/// As the benchmark's data set writes opinion `i`.
fn opinion_body(i: usize) -> String {
    let topic = TOPICS[i % TOPICS.len()];
    let action = ACTIONS[(i / 10) % ACTIONS.len()];
    let subject = SUBJECTS[(i / 100) % SUBJECTS.len()];
    let mut body = format!("关于{topic}，建议{subject}{action}；第{i}号意见：请在文中增加具体的完成时限和考核办法。");
    if i.is_multiple_of(7) {
        body.push_str("同时建议将“开展”改为“基本完成”，并明确牵头单位。");
    }
    if i % 1000 == 999 {
        body.push_str("另请考虑湿地公园的候鸟保护。");
    }
    body
}

fn main() {
    let count: usize = std::env::args().nth(1).and_then(|a| a.parse().ok()).unwrap_or(10_000);
    let grouper = Grouper::new();
    let start = Instant::now();
    let signatures: Vec<Signature> = (0..count).map(|i| grouper.signature(&opinion_body(i))).collect();
    println!("signatures: {:.2?}", start.elapsed());
    let items: Vec<(i64, &Signature)> = signatures.iter().enumerate().map(|(i, s)| (i as i64, s)).collect();
    let mut groups = Vec::new();
    let start = Instant::now();
    let runs = 5;
    for _ in 0..runs {
        groups = groups_of(&items, DEFAULT_THRESHOLD);
    }
    println!("groups_of: {:.2?} per run", start.elapsed() / runs);
    let exact = groups.iter().filter(|g| g.exact).count();
    let largest = groups.first().map_or(0, |g| g.ids.len());
    // Changes if any group, its order or its similarity changes: for checking that a faster grouping
    // finds the same groups.
    let digest = groups
        .iter()
        .flat_map(|g| g.ids.iter().map(|&id| id as u64).chain([g.similarity.to_bits(), u64::from(g.exact)]))
        .fold(0u64, |h, v| h.rotate_left(5) ^ v);
    println!(
        "groups: {} ({exact} exact), largest {largest}, grouped {}, digest {digest:x}",
        groups.len(),
        groups.iter().map(|g| g.ids.len()).sum::<usize>()
    );
}
