//! What the machine and the libraries can do on their own, measured in the same run:
//! single-row INSERTs into the same database, and the captcha crate's drawing rate.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Barrier};
use std::time::{Duration, Instant};

use diesel::RunQueryDsl;
use diesel::connection::SimpleConnection;

use zhengqiu::config::DbUrl;
use zhengqiu::db;

/// Single-row autocommit INSERTs per second into a scratch table of the same database,
/// opened with the service's own connection settings, from `clients` connections.
pub fn insert_rate(url: &DbUrl, clients: usize, duration: Duration) -> anyhow::Result<f64> {
    let mut setup = db::connect(url)?;
    setup.batch_execute(
        "DROP TABLE IF EXISTS bench_raw_insert; \
         CREATE TABLE bench_raw_insert (id BIGINT NOT NULL, body TEXT NOT NULL, created_at TIMESTAMP NOT NULL)",
    )?;
    let stop = Arc::new(AtomicBool::new(false));
    let total = Arc::new(AtomicU64::new(0));
    let ready = Arc::new(Barrier::new(clients + 1));
    let threads: Vec<_> = (0..clients)
        .map(|c| {
            let (url, stop, total, ready) = (url.clone(), stop.clone(), total.clone(), ready.clone());
            std::thread::spawn(move || -> anyhow::Result<()> {
                let mut conn = db::connect(&url)?;
                ready.wait();
                let mut i = 0u64;
                while !stop.load(Ordering::Relaxed) {
                    // One statement, one transaction: what a naive handler would do per request.
                    diesel::sql_query(format!(
                        "INSERT INTO bench_raw_insert (id, body, created_at) VALUES ({}, '关于第{i}条的意见：建议明确责任单位和完成时限。', CURRENT_TIMESTAMP)",
                        (c as u64) << 40 | i
                    ))
                    .execute(&mut conn)?;
                    i += 1;
                    total.fetch_add(1, Ordering::Relaxed);
                }
                Ok(())
            })
        })
        .collect();
    ready.wait();
    let start = Instant::now();
    let warm = total.load(Ordering::Relaxed);
    std::thread::sleep(duration);
    let done = total.load(Ordering::Relaxed) - warm;
    let elapsed = start.elapsed();
    stop.store(true, Ordering::Relaxed);
    for t in threads {
        t.join().map_err(|_| anyhow::anyhow!("an insert thread panicked"))??;
    }
    setup.batch_execute("DROP TABLE bench_raw_insert")?;
    Ok(done as f64 / elapsed.as_secs_f64())
}

/// Captcha images drawn per second on one thread, as the crate makes them: the service's
/// drawing with the crate's own PNG encoder (the service encodes with a faster one).
pub fn captcha_rate(duration: Duration) -> anyhow::Result<f64> {
    // Warm up the allocator and the font cache.
    for _ in 0..20 {
        zhengqiu::captcha::draw_image_crate_encoded()?;
    }
    let start = Instant::now();
    let mut n = 0u64;
    while start.elapsed() < duration {
        zhengqiu::captcha::draw_image_crate_encoded()?;
        n += 1;
    }
    Ok(n as f64 / start.elapsed().as_secs_f64())
}

/// Captcha images drawn per second by `threads` threads at once (each as in
/// [`captcha_rate`]): how the crate's own rate scales over this machine's cores.
pub fn captcha_rate_parallel(threads: usize, duration: Duration) -> anyhow::Result<f64> {
    let ready = Arc::new(Barrier::new(threads));
    let workers: Vec<_> = (0..threads)
        .map(|_| {
            let ready = ready.clone();
            std::thread::spawn(move || -> anyhow::Result<f64> {
                for _ in 0..20 {
                    zhengqiu::captcha::draw_image_crate_encoded()?;
                }
                ready.wait();
                let start = Instant::now();
                let mut n = 0u64;
                while start.elapsed() < duration {
                    zhengqiu::captcha::draw_image_crate_encoded()?;
                    n += 1;
                }
                Ok(n as f64 / start.elapsed().as_secs_f64())
            })
        })
        .collect();
    let mut total = 0.0;
    for worker in workers {
        total += worker.join().map_err(|_| anyhow::anyhow!("a drawing thread panicked"))??;
    }
    Ok(total)
}
