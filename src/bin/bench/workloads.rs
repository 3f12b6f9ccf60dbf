//! The requests each measurement sends, and what a right answer looks like.

use std::sync::Mutex;

use crate::loadgen::{Response, Workload, get, post};

/// The same GET again and again; the answer must be 200 with exactly the expected body
/// (or, without one, a body holding `marker`).
pub struct FixedGet {
    request: Vec<u8>,
    expected: Option<Vec<u8>>,
    marker: Option<String>,
}

impl FixedGet {
    pub fn exact(host: &str, path: &str, expected: Vec<u8>) -> FixedGet {
        FixedGet::exact_with(host, path, "", expected)
    }

    /// With extra request headers (`Name: value\r\n` each).
    pub fn exact_with(host: &str, path: &str, headers: &str, expected: Vec<u8>) -> FixedGet {
        FixedGet { request: get(host, path, headers), expected: Some(expected), marker: None }
    }

    pub fn containing(host: &str, path: &str, headers: &str, marker: &str) -> FixedGet {
        FixedGet { request: get(host, path, headers), expected: None, marker: Some(marker.to_owned()) }
    }
}

impl Workload for FixedGet {
    fn request(&self, _: u64) -> Option<Vec<u8>> {
        Some(self.request.clone())
    }

    fn check(&self, _: u64, r: &Response<'_>) -> Result<(), String> {
        if r.status != 200 {
            return Err(format!("status {}", r.status));
        }
        if let Some(expected) = &self.expected
            && r.body != expected.as_slice()
        {
            return Err(format!("body of {} bytes differs from the expected {} bytes", r.body.len(), expected.len()));
        }
        if let Some(marker) = &self.marker
            && !r.body_text().contains(marker.as_str())
        {
            return Err(format!("body lacks {marker:?}"));
        }
        Ok(())
    }
}

/// `POST /api/v1/captchas`: a new image challenge. With `limited`, a 429 with its Chinese
/// message is a right answer too (the flood scenarios count them).
pub struct NewCaptcha {
    request: Vec<u8>,
    pub limited: bool,
}

impl NewCaptcha {
    pub fn new(host: &str, limited: bool) -> NewCaptcha {
        NewCaptcha { request: post(host, "/api/v1/captchas", "application/json", b"{}", ""), limited }
    }
}

impl Workload for NewCaptcha {
    fn request(&self, _: u64) -> Option<Vec<u8>> {
        Some(self.request.clone())
    }

    fn check(&self, _: u64, r: &Response<'_>) -> Result<(), String> {
        match r.status {
            201 if r.body_text().contains("data:image/png;base64,") && r.body_text().contains("\"id\"") => Ok(()),
            201 => Err("201 without an image".to_owned()),
            429 if self.limited && r.body_text().contains("过于频繁") => Ok(()),
            s => Err(format!("status {s}: {}", r.body_text().chars().take(120).collect::<String>())),
        }
    }
}

/// The public form's POST, each with its own pre-made captcha and its own text; the
/// answer must be the redirect to a new receipt.
pub struct OpinionPost {
    host: String,
    path: String,
    anchors: Vec<String>,
    captchas: Vec<String>,
    answer: String,
    run: u64,
    /// The next captcha to use: counted here rather than by the run's request number, which
    /// starts again at 0 in each slice of a measurement taken in slices.
    next: std::sync::atomic::AtomicU64,
    pub receipts: Mutex<Vec<String>>,
}

impl OpinionPost {
    pub fn new(
        host: &str,
        consultation: i32,
        anchors: Vec<String>,
        captchas: Vec<String>,
        answer: &str,
    ) -> OpinionPost {
        OpinionPost {
            host: host.to_owned(),
            path: format!("/consultations/{consultation}/opinions"),
            anchors,
            captchas,
            answer: answer.to_owned(),
            run: rand::random::<u32>().into(),
            next: std::sync::atomic::AtomicU64::new(0),
            receipts: Mutex::new(Vec::new()),
        }
    }
}

impl Workload for OpinionPost {
    fn request(&self, _: u64) -> Option<Vec<u8>> {
        let i = self.next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let captcha = self.captchas.get(i as usize)?;
        let section = &self.anchors[i as usize % self.anchors.len()];
        let body =
            format!("关于本条第{i}项（批次{}），建议明确牵头单位、配合单位和完成时限，并建立季度通报制度。", self.run);
        let form = serde_urlencoded::to_string([
            ("section", section.as_str()),
            ("name", "王建国"),
            ("contact", &format!("138{:08}", i % 100_000_000)),
            ("body", &body),
            ("original_text", ""),
            ("proposed_text", ""),
            ("consent", "on"),
            ("captcha_id", captcha),
            ("captcha_answer", &self.answer),
            ("captcha_kind", "question"),
            ("website", ""),
        ])
        .ok()?;
        Some(post(&self.host, &self.path, "application/x-www-form-urlencoded", form.as_bytes(), ""))
    }

    fn check(&self, _: u64, r: &Response<'_>) -> Result<(), String> {
        let location = r.header("location").unwrap_or("");
        if r.status != 303 || !location.contains("submitted=1") {
            return Err(format!("status {} to {location:?}", r.status));
        }
        let code = location.trim_start_matches("/receipts/").split('?').next().unwrap_or("").to_owned();
        self.receipts.lock().map_err(|_| "poisoned".to_owned())?.push(code);
        Ok(())
    }
}

/// Receipt lookups, round-robin over known codes; the page must show the code.
pub struct ReceiptLookup {
    requests: Vec<(Vec<u8>, String)>,
}

impl ReceiptLookup {
    pub fn new(host: &str, codes: &[String]) -> ReceiptLookup {
        ReceiptLookup { requests: codes.iter().map(|c| (get(host, &format!("/receipts/{c}"), ""), shown(c))).collect() }
    }
}

/// A receipt code as its page prints it (ABCDE-FGHJK).
fn shown(code: &str) -> String {
    let plain: String = code.chars().filter(|c| c.is_ascii_alphanumeric()).collect();
    if plain.len() == 10 { format!("{}-{}", &plain[..5], &plain[5..]) } else { plain }
}

impl Workload for ReceiptLookup {
    fn request(&self, i: u64) -> Option<Vec<u8>> {
        if self.requests.is_empty() {
            return None;
        }
        Some(self.requests[i as usize % self.requests.len()].0.clone())
    }

    fn check(&self, i: u64, r: &Response<'_>) -> Result<(), String> {
        let code = &self.requests[i as usize % self.requests.len()].1;
        if r.status != 200 {
            return Err(format!("status {}", r.status));
        }
        if !r.body_text().contains(code.as_str()) {
            return Err(format!("the page does not show {code}"));
        }
        Ok(())
    }
}
