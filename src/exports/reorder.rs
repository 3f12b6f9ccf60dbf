//! Putting a stream into an order known in advance, in bounded memory.
//!
//! The adoption table's order (an author's opinions together, where the author's first one
//! stands) is not the order opinions are stored in. The database can sort them, but at a
//! million opinions its sort spills whole rows, bodies included, to temporary files and
//! merges them several times over, and fetching rows one by one in the sorted order reads
//! the table at random. Here the order is worked out first from a narrow read (every
//! item's place and size), the positions are cut into buckets of at most `budget` bytes,
//! and one read of the rows in stored order drops each row into its bucket: the first
//! bucket stays in memory, the others go to anonymous temporary files (deleted when
//! closed). Then each bucket is read back once, sorted by position and handed out. Every
//! row is written and read once, in sequence.

use std::fs::File;
use std::io::{self, BufWriter, Read, Seek, Write};

/// An item that can go to a bucket file and come back.
pub trait Spill: Sized {
    /// Appends the item's bytes to `out`.
    fn put(&self, out: &mut Vec<u8>);
    /// Reads one item from the front of `input`, advancing it; `None` if it is damaged.
    fn take(input: &mut &[u8]) -> Option<Self>;
}

/// Items taken in any order and handed out by position.
pub struct Reorder<T> {
    /// The first position of each bucket; `starts[0]` is 0.
    starts: Vec<u32>,
    /// The first bucket, kept in memory.
    first: Vec<(u32, T)>,
    /// The other buckets' files, made when their first item arrives.
    files: Vec<Option<BufWriter<File>>>,
    scratch: Vec<u8>,
}

impl<T: Spill> Reorder<T> {
    /// Buckets for items whose sizes, in output order, are `sizes`: as many consecutive
    /// positions as fit in `budget` bytes (at least one).
    pub fn new(sizes: impl IntoIterator<Item = u64>, budget: u64) -> Self {
        let mut starts = vec![0u32];
        let mut filled = 0u64;
        for (pos, size) in sizes.into_iter().enumerate() {
            if filled > 0 && filled + size > budget {
                starts.push(u32::try_from(pos).unwrap_or(u32::MAX));
                filled = 0;
            }
            filled += size;
        }
        let files = (1..starts.len()).map(|_| None).collect();
        Reorder { starts, first: Vec::new(), files, scratch: Vec::new() }
    }

    /// How many buckets the positions were cut into.
    #[cfg(test)]
    pub fn buckets(&self) -> usize {
        self.starts.len()
    }

    /// Takes the item that goes at `pos`.
    pub fn push(&mut self, pos: u32, item: T) -> io::Result<()> {
        let bucket = self.starts.partition_point(|&start| start <= pos) - 1;
        if bucket == 0 {
            self.first.push((pos, item));
            return Ok(());
        }
        let file = match &mut self.files[bucket - 1] {
            Some(file) => file,
            slot => slot.insert(BufWriter::with_capacity(64 * 1024, tempfile::tempfile()?)),
        };
        self.scratch.clear();
        item.put(&mut self.scratch);
        let len = u32::try_from(self.scratch.len()).map_err(|_| io::Error::other("an item over 4 GB"))?;
        file.write_all(&pos.to_le_bytes())?;
        file.write_all(&len.to_le_bytes())?;
        file.write_all(&self.scratch)
    }

    /// The items by position, one bucket in memory at a time.
    pub fn finish(mut self) -> impl Iterator<Item = io::Result<T>> {
        self.first.sort_unstable_by_key(|(pos, _)| *pos);
        Drain { current: self.first.into_iter(), files: self.files.into_iter(), failed: false }
    }
}

struct Drain<T> {
    current: std::vec::IntoIter<(u32, T)>,
    files: std::vec::IntoIter<Option<BufWriter<File>>>,
    failed: bool,
}

impl<T: Spill> Iterator for Drain<T> {
    type Item = io::Result<T>;

    fn next(&mut self) -> Option<io::Result<T>> {
        loop {
            if let Some((_, item)) = self.current.next() {
                return Some(Ok(item));
            }
            if self.failed {
                return None;
            }
            let Some(file) = self.files.next()? else { continue };
            match read_bucket(file) {
                Ok(items) => self.current = items.into_iter(),
                Err(err) => {
                    self.failed = true;
                    return Some(Err(err));
                }
            }
        }
    }
}

/// A bucket's items, sorted by position.
fn read_bucket<T: Spill>(file: BufWriter<File>) -> io::Result<Vec<(u32, T)>> {
    let mut file = file.into_inner().map_err(|err| err.into_error())?;
    file.rewind()?;
    let mut bytes = Vec::new();
    file.read_to_end(&mut bytes)?;
    drop(file);
    let damaged = || io::Error::new(io::ErrorKind::InvalidData, "a temporary export file came back damaged");
    let mut items = Vec::new();
    let mut input = bytes.as_slice();
    while !input.is_empty() {
        let pos = take_u32(&mut input).ok_or_else(damaged)?;
        let len = take_u32(&mut input).ok_or_else(damaged)? as usize;
        let (mut own, rest) = input.split_at_checked(len).ok_or_else(damaged)?;
        let item = T::take(&mut own).filter(|_| own.is_empty()).ok_or_else(damaged)?;
        items.push((pos, item));
        input = rest;
    }
    items.sort_unstable_by_key(|(pos, _)| *pos);
    Ok(items)
}

fn take_u32(input: &mut &[u8]) -> Option<u32> {
    let (head, rest) = input.split_first_chunk::<4>()?;
    *input = rest;
    Some(u32::from_le_bytes(*head))
}

/// Writing and reading the fields of a [`Spill`] item.
pub mod codec {
    pub fn put_i64(out: &mut Vec<u8>, v: i64) {
        out.extend_from_slice(&v.to_le_bytes());
    }

    pub fn take_i64(input: &mut &[u8]) -> Option<i64> {
        let (head, rest) = input.split_first_chunk::<8>()?;
        *input = rest;
        Some(i64::from_le_bytes(*head))
    }

    pub fn put_i32(out: &mut Vec<u8>, v: i32) {
        out.extend_from_slice(&v.to_le_bytes());
    }

    pub fn take_i32(input: &mut &[u8]) -> Option<i32> {
        let (head, rest) = input.split_first_chunk::<4>()?;
        *input = rest;
        Some(i32::from_le_bytes(*head))
    }

    pub fn put_opt_i32(out: &mut Vec<u8>, v: Option<i32>) {
        match v {
            None => out.push(0),
            Some(v) => {
                out.push(1);
                put_i32(out, v);
            }
        }
    }

    pub fn take_opt_i32(input: &mut &[u8]) -> Option<Option<i32>> {
        match take_u8(input)? {
            0 => Some(None),
            1 => take_i32(input).map(Some),
            _ => None,
        }
    }

    pub fn put_str(out: &mut Vec<u8>, s: &str) {
        put_i64(out, s.len() as i64);
        out.extend_from_slice(s.as_bytes());
    }

    pub fn take_string(input: &mut &[u8]) -> Option<String> {
        let len = usize::try_from(take_i64(input)?).ok()?;
        let (text, rest) = input.split_at_checked(len)?;
        *input = rest;
        String::from_utf8(text.to_vec()).ok()
    }

    pub fn put_opt_str(out: &mut Vec<u8>, s: Option<&str>) {
        match s {
            None => out.push(0),
            Some(s) => {
                out.push(1);
                put_str(out, s);
            }
        }
    }

    pub fn take_opt_string(input: &mut &[u8]) -> Option<Option<String>> {
        match take_u8(input)? {
            0 => Some(None),
            1 => take_string(input).map(Some),
            _ => None,
        }
    }

    pub fn take_u8(input: &mut &[u8]) -> Option<u8> {
        let (&first, rest) = input.split_first()?;
        *input = rest;
        Some(first)
    }
}

#[cfg(test)]
mod tests {
    use super::codec::*;
    use super::*;

    #[derive(Debug, Clone, PartialEq)]
    struct Item {
        n: i32,
        text: String,
        note: Option<String>,
    }

    impl Spill for Item {
        fn put(&self, out: &mut Vec<u8>) {
            put_i32(out, self.n);
            put_str(out, &self.text);
            put_opt_str(out, self.note.as_deref());
        }

        fn take(input: &mut &[u8]) -> Option<Self> {
            Some(Item { n: take_i32(input)?, text: take_string(input)?, note: take_opt_string(input)? })
        }
    }

    fn item(n: i32) -> Item {
        Item {
            n,
            text: format!("第{n}条意见").repeat(usize::try_from(n % 7).unwrap() + 1),
            note: (n % 3 == 0).then(String::new),
        }
    }

    /// Pushes items 0..count in a scrambled order and checks they come out in order.
    fn reordered(count: u32, size: u64, budget: u64) -> (usize, Vec<Item>) {
        let mut reorder = Reorder::new((0..count).map(|_| size), budget);
        let buckets = reorder.buckets();
        // 7919 is prime and does not divide the counts used: every position once.
        for i in 0..count {
            let pos = (i * 7919) % count;
            reorder.push(pos, item(i32::try_from(pos).unwrap())).unwrap();
        }
        (buckets, reorder.finish().collect::<io::Result<Vec<_>>>().unwrap())
    }

    #[test]
    fn items_come_out_by_position_when_they_fit_in_memory() {
        let (buckets, items) = reordered(1000, 10, 1 << 20);
        assert_eq!(buckets, 1);
        assert_eq!(items, (0..1000).map(item).collect::<Vec<_>>());
    }

    #[test]
    fn items_come_out_by_position_across_spilled_buckets() {
        // 1000 items of 10 bytes in buckets of 256 bytes: 25 per bucket, 40 buckets.
        let (buckets, items) = reordered(1000, 10, 256);
        assert_eq!(buckets, 40);
        assert_eq!(items, (0..1000).map(item).collect::<Vec<_>>());
    }

    #[test]
    fn an_item_larger_than_the_budget_gets_a_bucket_of_its_own() {
        let mut reorder: Reorder<Item> = Reorder::new([5, 500, 5, 5], 100);
        assert_eq!(reorder.buckets(), 3);
        for pos in [3, 1, 0, 2] {
            reorder.push(pos, item(i32::try_from(pos).unwrap())).unwrap();
        }
        let items: Vec<Item> = reorder.finish().map(Result::unwrap).collect();
        assert_eq!(items, (0..4).map(item).collect::<Vec<_>>());
    }

    #[test]
    fn positions_nobody_filled_are_skipped() {
        let mut reorder: Reorder<Item> = Reorder::new([10; 6], 20);
        for pos in [5, 0, 3] {
            reorder.push(pos, item(i32::try_from(pos).unwrap())).unwrap();
        }
        let items: Vec<i32> = reorder.finish().map(|i| i.unwrap().n).collect();
        assert_eq!(items, vec![0, 3, 5]);
    }

    #[test]
    fn damaged_bytes_are_refused_not_misread() {
        let mut out = Vec::new();
        item(4).put(&mut out);
        let whole = out.clone();
        assert_eq!(Item::take(&mut whole.as_slice()), Some(item(4)));
        out.truncate(out.len() - 1);
        assert_eq!(Item::take(&mut out.as_slice()), None);
        // A length longer than what follows.
        let mut long = Vec::new();
        put_i32(&mut long, 1);
        put_i64(&mut long, 1 << 40);
        assert_eq!(Item::take(&mut long.as_slice()), None);
    }
}
