//! The one place cell texts are made: (data, layout, options) → title, summary, headers and rows of strings.

use std::collections::HashMap;

use crate::domain::adoption::AdoptionStatus;
use crate::domain::masking::{MaskStyle, mask_name};
use crate::text::normalise::is_bidi_control;

use super::ExportOptions;
use super::data::{Audience, AuthorKind, ExportData, ExportHead, OpinionRecord, QuietDepartment, Summary};
use super::layout::{Column, Field, Grouping, Layout};

/// Everything around the rows: every format prints these the same way.
#[derive(Debug, Clone, PartialEq)]
pub struct Sheet {
    pub layout_key: &'static str,
    /// The layout name (XLSX sheet name).
    pub name: &'static str,
    /// The rendered title, e.g. "关于…征求意见部门反馈情况".
    pub title: String,
    pub counts: Summary,
    /// [`Summary::text`] when the layout prints a summary first.
    pub summary: Option<String>,
    /// The layout's columns for this audience (no contact column for the public).
    pub columns: Vec<Column>,
}

impl Sheet {
    /// The frame of one export.
    pub fn new(head: &ExportHead, layout: &Layout, opts: &ExportOptions) -> Self {
        Sheet {
            layout_key: layout.key,
            name: layout.name,
            title: match opts.title.as_deref().map(str::trim) {
                Some(own) if !own.is_empty() => own.to_owned(),
                _ => match opts.round.as_ref().and_then(|r| r.name.as_deref()) {
                    Some(round) => format!("{}（{round}）", layout.title_for(head)),
                    None => layout.title_for(head),
                },
            },
            counts: head.summary,
            summary: layout.summary_first.then(|| head.summary.text()),
            columns: visible_columns(layout, opts.audience),
        }
    }

    /// Header texts in column order.
    pub fn headers(&self) -> Vec<&'static str> {
        self.columns.iter().map(|c| c.header).collect()
    }
}

fn visible_columns(layout: &Layout, audience: Audience) -> Vec<Column> {
    layout.columns.iter().filter(|c| audience == Audience::Staff || c.field != Field::Contact).copied().collect()
}

/// Turns one group of opinions (one opinion, or one author's opinions) into a row of cells.
#[derive(Debug, Clone)]
pub struct RowMaker<'l> {
    layout: &'l Layout,
    columns: Vec<Column>,
    mask: MaskStyle,
    undecided: &'static str,
}

impl<'l> RowMaker<'l> {
    pub fn new(layout: &'l Layout, opts: &ExportOptions) -> Self {
        let mask = match opts.audience {
            Audience::Public => layout.mask,
            Audience::Staff => MaskStyle::None,
        };
        let undecided = opts.undecided.unwrap_or(layout.labels.undecided);
        RowMaker { layout, columns: visible_columns(layout, opts.audience), mask, undecided }
    }

    /// The cells of row `seq` (1-based) for `group`, which must not be empty.
    pub fn row(&self, seq: usize, group: &[&OpinionRecord]) -> Vec<String> {
        self.columns.iter().map(|c| tidy(self.cell(c.field, seq, group))).collect()
    }

    fn cell(&self, field: Field, seq: usize, group: &[&OpinionRecord]) -> String {
        let join = self.layout.joiner;
        match field {
            Field::Seq => seq.to_string(),
            Field::Author => self.author(group[0]),
            Field::Body => joined(group.iter().map(|o| o.body.as_str()), join),
            Field::Decision => match aggregate(group) {
                None => self.undecided.to_owned(),
                decision => self.layout.labels.label(decision).to_owned(),
            },
            Field::Reason => reasons(group, join),
            Field::DecisionAndReason => self.decision_and_reason(group),
            Field::Channel => distinct(group.iter().map(|o| o.channel.as_str()), join),
            Field::Section => distinct(group.iter().filter_map(|o| o.section.as_deref()), join),
            Field::ReceivedAt => group.iter().map(|o| o.received_at.as_str()).min().unwrap_or_default().to_owned(),
            Field::Contact => distinct(group.iter().filter_map(|o| o.contact.as_deref()), join),
        }
    }

    /// The row of a department that sent no opinion: its name and 无意见 (or 逾期未反馈…),
    /// nothing to decide. A layout without an author column names it in the text.
    pub fn quiet_row(&self, seq: usize, quiet: &QuietDepartment) -> Vec<String> {
        let named = self.columns.iter().any(|c| c.field == Field::Author);
        self.columns
            .iter()
            .map(|c| match c.field {
                Field::Seq => seq.to_string(),
                Field::Author => tidy(quiet.name.clone()),
                Field::Body if named => quiet.remark().to_owned(),
                Field::Body => tidy(format!("{}：{}", quiet.name, quiet.remark())),
                _ => String::new(),
            })
            .collect()
    }

    fn author(&self, o: &OpinionRecord) -> String {
        match o.author_kind {
            AuthorKind::Department => o.author.trim().to_owned(),
            AuthorKind::Person => mask_name(&o.author, self.mask),
        }
    }

    /// Empty while undecided: a reason without a decision is still a draft.
    fn decision_and_reason(&self, group: &[&OpinionRecord]) -> String {
        let Some(decision) = aggregate(group) else {
            return self.undecided.to_owned();
        };
        let label = self.layout.labels.label(Some(decision));
        match reasons(group, self.layout.joiner) {
            r if r.is_empty() => label.to_owned(),
            r => format!("{label}{}{r}", self.layout.labels.reason_prefix),
        }
    }
}

/// The decision of a group, over its decided opinions: all the same → that decision; any mix
/// (or any 部分采纳) → 部分采纳; none decided → `None`.
pub fn aggregate(group: &[&OpinionRecord]) -> Option<AdoptionStatus> {
    let mut decided = group.iter().filter_map(|o| o.decision);
    let first = decided.next()?;
    if decided.all(|d| d == first) { Some(first) } else { Some(AdoptionStatus::PartlyAdopted) }
}

fn reasons(group: &[&OpinionRecord], join: &str) -> String {
    let texts = group.iter().filter_map(|o| o.reason.as_deref()).map(str::trim);
    joined(texts.filter(|r| !r.is_empty()), join)
}

fn joined<'a>(parts: impl Iterator<Item = &'a str>, join: &str) -> String {
    parts.collect::<Vec<_>>().join(join)
}

/// Joins the distinct non-empty values in first-seen order.
fn distinct<'a>(parts: impl Iterator<Item = &'a str>, join: &str) -> String {
    let mut seen: Vec<&str> = Vec::new();
    for p in parts.map(str::trim).filter(|p| !p.is_empty()) {
        if !seen.contains(&p) {
            seen.push(p);
        }
    }
    seen.join(join)
}

/// Line endings become "\n" in every format, and bidirectional controls (which could reorder what
/// a reader of the table sees) are dropped, also from text stored before input was cleaned of them.
pub fn tidy(cell: String) -> String {
    let cell = if cell.contains('\r') { cell.replace("\r\n", "\n").replace('\r', "\n") } else { cell };
    if has_bidi_control(&cell) { cell.chars().filter(|&c| !is_bidi_control(c)).collect() } else { cell }
}

/// Whether `text` holds a [`is_bidi_control`] character, looked for in its UTF-8 bytes
/// (E2 80 AA–AE, E2 81 A6–A9): an export asks this of every cell.
fn has_bidi_control(text: &str) -> bool {
    text.as_bytes().windows(3).any(|w| {
        w[0] == 0xE2
            && ((w[1] == 0x80 && (0xAA..=0xAE).contains(&w[2])) || (w[1] == 0x81 && (0xA6..=0xA9).contains(&w[2])))
    })
}

/// The grouping in force: the option, else the layout's default.
pub fn grouping(layout: &Layout, opts: &ExportOptions) -> Grouping {
    opts.grouping.unwrap_or(layout.grouping)
}

/// The rows of an in-memory data set. Per author, an author's row stands where the author's
/// first opinion stands, and holds all the author's opinions in order (a first pass keeps
/// only indices). Departments that sent no opinion follow the departments' opinions.
pub fn rows<'a>(
    data: &'a ExportData,
    layout: &'a Layout,
    opts: &ExportOptions,
) -> impl Iterator<Item = Vec<String>> + 'a {
    let maker = RowMaker::new(layout, opts);
    let all = &data.opinions;
    let groups: Box<dyn Iterator<Item = Vec<&OpinionRecord>>> = match grouping(layout, opts) {
        Grouping::PerOpinion => Box::new(all.iter().map(|o| vec![o])),
        Grouping::PerAuthor => {
            Box::new(group_indices(all).into_iter().map(move |idx| idx.iter().map(|&j| &all[j]).collect()))
        }
    };
    with_quiet(groups, &data.quiet, |group| group[0].invited).enumerate().map(move |(i, entry)| match entry {
        Entry::Group(group) => maker.row(i + 1, &group),
        Entry::Quiet(quiet) => maker.quiet_row(i + 1, quiet),
    })
}

/// Most characters of opinions and reasons one per-author row holds: past it, the author's
/// next opinions continue on a row of their own. Excel keeps at most 32,767 characters in a
/// cell, and nobody reads a longer one.
pub const MAX_ROW_CHARS: usize = 30_000;

/// What an opinion adds to its row's length.
fn weight(o: &OpinionRecord) -> usize {
    o.body.chars().count() + o.reason.as_deref().map_or(0, |r| r.chars().count()) + 2
}

fn group_indices(opinions: &[OpinionRecord]) -> Vec<Vec<usize>> {
    // The author's open group and its length so far.
    let mut slot: HashMap<&str, (usize, usize)> = HashMap::new();
    let mut groups: Vec<Vec<usize>> = Vec::new();
    for (i, o) in opinions.iter().enumerate() {
        let w = weight(o);
        let open = slot.get(o.author_key.as_str()).copied().filter(|&(_, len)| len + w <= MAX_ROW_CHARS);
        let (g, len) = open.unwrap_or_else(|| {
            groups.push(Vec::new());
            (groups.len() - 1, 0)
        });
        groups[g].push(i);
        slot.insert(o.author_key.as_str(), (g, len + w));
    }
    groups
}

/// A row to be: a group of opinions, or a department that sent none.
enum Entry<'q, G> {
    Group(G),
    Quiet(&'q QuietDepartment),
}

/// Places the departments that sent no opinion right after the opinions of the departments
/// consulted in writing (which come first), before everyone else's.
fn with_quiet<'q, G>(
    groups: impl Iterator<Item = G>,
    quiet: &'q [QuietDepartment],
    invited: impl Fn(&G) -> bool,
) -> impl Iterator<Item = Entry<'q, G>> {
    let mut groups = groups.peekable();
    let mut quiet = quiet.iter();
    let mut departments_done = false;
    std::iter::from_fn(move || {
        if !departments_done {
            match groups.next_if(&invited) {
                Some(group) => return Some(Entry::Group(group)),
                None => departments_done = true,
            }
        }
        match quiet.next() {
            Some(q) => Some(Entry::Quiet(q)),
            None => groups.next().map(Entry::Group),
        }
    })
}

/// The rows of a stream of opinions, holding one group at a time. Per author, the stream
/// must bring an author's opinions together, as [`crate::models::adoption_table::records`]
/// does: adjacent opinions with the same `author_key` make one row. `quiet` departments
/// follow the departments' opinions.
pub fn stream_rows<'a, I>(
    records: I,
    quiet: &'a [QuietDepartment],
    layout: &'a Layout,
    opts: &ExportOptions,
) -> impl Iterator<Item = Vec<String>> + 'a
where
    I: IntoIterator<Item = OpinionRecord>,
    I::IntoIter: 'a,
{
    let maker = RowMaker::new(layout, opts);
    let per_author = grouping(layout, opts) == Grouping::PerAuthor;
    let groups = Adjacent { inner: records.into_iter().peekable(), per_author };
    with_quiet(groups, quiet, |group| group[0].invited).enumerate().map(move |(i, entry)| match entry {
        Entry::Group(group) => {
            let refs: Vec<&OpinionRecord> = group.iter().collect();
            maker.row(i + 1, &refs)
        }
        Entry::Quiet(quiet) => maker.quiet_row(i + 1, quiet),
    })
}

/// Yields runs of adjacent records with the same author key (or single records).
struct Adjacent<I: Iterator<Item = OpinionRecord>> {
    inner: std::iter::Peekable<I>,
    per_author: bool,
}

impl<I: Iterator<Item = OpinionRecord>> Iterator for Adjacent<I> {
    type Item = Vec<OpinionRecord>;

    fn next(&mut self) -> Option<Self::Item> {
        let first = self.inner.next()?;
        // Counted only once a second opinion of the same author follows: most rows hold one.
        let mut len = None;
        let mut group = vec![first];
        while self.per_author {
            let key = &group[0].author_key;
            let first = &group[0];
            match self.inner.next_if(|o| {
                &o.author_key == key && *len.get_or_insert_with(|| weight(first)) + weight(o) <= MAX_ROW_CHARS
            }) {
                Some(o) => {
                    len = len.map(|len| len + weight(&o));
                    group.push(o);
                }
                None => break,
            }
        }
        Some(group)
    }
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::{mixed, person, tongguan};
    use super::*;
    use crate::exports::layout::layout;

    fn opts(audience: Audience, grouping: Option<Grouping>) -> ExportOptions {
        ExportOptions { grouping, audience, title: None, undecided: None, round: None }
    }

    fn with(decisions: &[Option<AdoptionStatus>]) -> Vec<OpinionRecord> {
        decisions.iter().map(|&d| OpinionRecord { decision: d, ..person(1, "张三丰", "a") }).collect()
    }

    fn agg(decisions: &[Option<AdoptionStatus>]) -> Option<AdoptionStatus> {
        let records = with(decisions);
        aggregate(&records.iter().collect::<Vec<_>>())
    }

    #[test]
    fn an_authors_decision_is_the_common_one_or_partly_adopted() {
        use AdoptionStatus::*;
        assert_eq!(agg(&[Some(Adopted), None, Some(Adopted)]), Some(Adopted));
        assert_eq!(agg(&[Some(NotAdopted), Some(NotAdopted)]), Some(NotAdopted));
        assert_eq!(agg(&[Some(Explained)]), Some(Explained));
        assert_eq!(agg(&[Some(Adopted), Some(NotAdopted)]), Some(PartlyAdopted));
        assert_eq!(agg(&[Some(Adopted), Some(Explained)]), Some(PartlyAdopted));
        assert_eq!(agg(&[None, Some(PartlyAdopted)]), Some(PartlyAdopted));
        assert_eq!(agg(&[None, None]), None);
    }

    #[test]
    fn per_author_rows_gather_an_author_wherever_the_opinions_stand() {
        let mut data = tongguan();
        let mut late = data.opinions[0].clone();
        late.body = "补充意见".into();
        data.opinions.push(late);
        let l = layout("tongguan").unwrap();
        let rows: Vec<_> = rows(&data, &l, &opts(Audience::Public, None)).collect();
        assert_eq!(rows.len(), 6);
        assert!(rows[0][2].ends_with("区民政局。;补充意见"), "{}", rows[0][2]);
    }

    #[test]
    fn streamed_rows_equal_in_memory_rows_when_authors_are_adjacent() {
        let data = mixed();
        for l in crate::exports::layout::builtin_layouts() {
            for g in [Grouping::PerOpinion, Grouping::PerAuthor] {
                let o = opts(Audience::Staff, Some(g));
                let a: Vec<_> = rows(&data, &l, &o).collect();
                let b: Vec<_> = stream_rows(data.opinions.clone(), &data.quiet, &l, &o).collect();
                assert_eq!(a, b, "{} {:?}", l.key, g);
            }
        }
    }

    #[test]
    fn departments_without_opinions_follow_the_departments_opinions_in_every_grouping() {
        let data = mixed();
        let l = layout("tongguan").unwrap();
        let department_opinions = data.opinions.iter().filter(|o| o.invited).count();
        for (g, before) in [(Grouping::PerAuthor, 6), (Grouping::PerOpinion, department_opinions)] {
            let rows: Vec<_> = rows(&data, &l, &opts(Audience::Public, Some(g))).collect();
            let (first, second) = ((before + 1).to_string(), (before + 2).to_string());
            assert_eq!(rows[before], [first.as_str(), "区财政局", "无意见", "", ""], "{g:?}");
            assert_eq!(rows[before + 1], [second.as_str(), "区审计局", "逾期未反馈（视为无意见）", "", ""], "{g:?}");
            assert_eq!(rows[before + 2][1], "张*祥", "{g:?}: the citizens come after");
        }
        let summary_first = layout("summary_first").unwrap();
        let rows: Vec<_> = rows(&data, &summary_first, &opts(Audience::Public, None)).collect();
        assert!(
            rows.iter().any(|r| r[1] == "区审计局：逾期未反馈（视为无意见）" && r[2].is_empty()),
            "named in the text where no column names it: {rows:?}"
        );
    }

    #[test]
    fn an_author_with_more_text_than_a_cell_holds_continues_on_further_rows() {
        let data: Vec<OpinionRecord> = (0..40)
            .map(|i| OpinionRecord {
                body: format!("第{i}条意见：{}", "长".repeat(2_000)),
                ..person(1, "区人社局", "d")
            })
            .collect();
        let l = layout("tongguan").unwrap();
        let o = opts(Audience::Public, Some(Grouping::PerAuthor));
        let streamed: Vec<_> = stream_rows(data.clone(), &[], &l, &o).collect();
        let in_memory: Vec<_> = rows(&ExportData { opinions: data, ..tongguan() }, &l, &o).collect();
        assert_eq!(streamed, in_memory);
        assert_eq!(streamed.len(), 3, "80,000 characters in rows of at most 30,000");
        assert!(streamed.iter().all(|r| r[2].chars().count() <= MAX_ROW_CHARS));
        let all: String = streamed.iter().map(|r| r[2].clone()).collect::<Vec<_>>().join(";");
        assert!((0..40).all(|i| all.contains(&format!("第{i}条意见"))), "nothing is left out");
    }

    #[test]
    fn bidirectional_controls_in_stored_text_never_reach_a_cell() {
        assert_eq!(tidy("建议\u{202E}删除\u{2066}第三条\u{2069}\r\n".to_owned()), "建议删除第三条\n");
    }

    #[test]
    fn the_byte_search_for_bidi_controls_finds_exactly_those_characters() {
        // Every character from U+0000 to U+FFFF, alone and between Chinese text.
        for c in (0..=0xFFFF_u32).filter_map(char::from_u32) {
            for text in [c.to_string(), format!("“建议{c}删除”")] {
                assert_eq!(has_bidi_control(&text), is_bidi_control(c), "U+{:04X}", c as u32);
            }
        }
    }

    #[test]
    fn grouping_option_overrides_the_layout_default() {
        let data = tongguan();
        let l = layout("tongguan").unwrap();
        let per_opinion = rows(&data, &l, &opts(Audience::Public, Some(Grouping::PerOpinion)));
        assert_eq!(per_opinion.count(), data.opinions.len());
        assert!(data.opinions.len() > 6);
    }

    #[test]
    fn the_public_never_gets_the_contact_column_and_staff_does() {
        let l = layout("ledger").unwrap();
        let public = visible_columns(&l, Audience::Public);
        let staff = visible_columns(&l, Audience::Staff);
        assert!(public.iter().all(|c| c.field != Field::Contact));
        assert_eq!(staff.len(), public.len() + 1);
    }

    #[test]
    fn persons_are_masked_for_the_public_and_departments_never() {
        let l = layout("channel_remark").unwrap();
        let public = RowMaker::new(&l, &opts(Audience::Public, None));
        let staff = RowMaker::new(&l, &opts(Audience::Staff, None));
        let p = person(1, "朱小明", "k");
        let d = &tongguan().opinions[0];
        assert_eq!(public.row(1, &[&p])[1], "朱**");
        assert_eq!(staff.row(1, &[&p])[1], "朱小明");
        assert_eq!(public.row(1, &[d])[1], "区人社局");
    }

    #[test]
    fn decision_and_reason_reads_as_one_sentence() {
        let l = layout("summary_first").unwrap();
        let m = RowMaker::new(&l, &opts(Audience::Public, None));
        let mut p = person(1, "张三", "k");
        p.decision = Some(AdoptionStatus::NotAdopted);
        p.reason = Some("上位法已有规定".into());
        assert_eq!(m.row(1, &[&p])[2], "不予采纳。理由：上位法已有规定");
        p.decision = Some(AdoptionStatus::Adopted);
        p.reason = None;
        assert_eq!(m.row(1, &[&p])[2], "采纳");
        p.decision = None;
        p.reason = Some("草稿".into());
        assert_eq!(m.row(1, &[&p])[2], "", "blank, as printed tables leave it");
        let page = RowMaker::new(&l, &ExportOptions { undecided: Some("未作处理"), ..opts(Audience::Public, None) });
        assert_eq!(page.row(1, &[&p])[2], "未作处理");
    }

    #[test]
    fn windows_line_endings_become_newlines() {
        let l = layout("feedback_person").unwrap();
        let m = RowMaker::new(&l, &opts(Audience::Public, None));
        let mut p = person(1, "张三", "k");
        p.body = "第一行\r\n第二行\r第三行".into();
        assert_eq!(m.row(1, &[&p])[2], "第一行\n第二行\n第三行");
    }
}
