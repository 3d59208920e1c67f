//! The process's own figures, read from Linux's `/proc` at each scrape: CPU time,
//! memory, open files, start time. Elsewhere each reads as absent.

use std::fs;

/// Linux reports CPU times in clock ticks of `USER_HZ`, which is 100 on every
/// architecture it runs on.
const USER_HZ: f64 = 100.0;

/// One reading of the process's figures; a field is `None` where it could not be read.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ProcessStats {
    pub cpu_seconds: Option<f64>,
    pub resident_bytes: Option<u64>,
    pub virtual_bytes: Option<u64>,
    pub open_fds: Option<u64>,
    pub max_fds: Option<u64>,
    pub start_time_seconds: Option<f64>,
}

impl ProcessStats {
    pub fn read() -> ProcessStats {
        let stat = fs::read_to_string("/proc/self/stat").ok();
        let fields = stat.as_deref().and_then(stat_fields);
        let field = |i: usize| fields.as_ref().and_then(|f| f.get(i)?.parse::<u64>().ok());
        // Numbered as in proc(5), counting from 1: utime 14, stime 15, starttime 22,
        // vsize 23; `stat_fields` starts after the command name (field 2).
        let at = |n: usize| field(n - 3);
        let cpu_seconds = match (at(14), at(15)) {
            (Some(u), Some(s)) => Some((u + s) as f64 / USER_HZ),
            _ => None,
        };
        let start_time_seconds = match (at(22), boot_time()) {
            (Some(ticks), Some(boot)) => Some(boot as f64 + ticks as f64 / USER_HZ),
            _ => None,
        };
        ProcessStats {
            cpu_seconds,
            resident_bytes: status_kib("VmRSS:").map(|k| k * 1024),
            virtual_bytes: at(23),
            open_fds: fs::read_dir("/proc/self/fd").ok().map(|d| d.count() as u64),
            max_fds: max_open_files(),
            start_time_seconds,
        }
    }
}

/// The fields of `/proc/self/stat` after the command name, which is in parentheses
/// and may itself hold spaces and parentheses.
fn stat_fields(stat: &str) -> Option<Vec<String>> {
    let after = &stat[stat.rfind(')')? + 1..];
    Some(after.split_whitespace().map(str::to_string).collect())
}

fn status_kib(key: &str) -> Option<u64> {
    let status = fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with(key))?;
    line[key.len()..].split_whitespace().next()?.parse().ok()
}

fn boot_time() -> Option<u64> {
    let stat = fs::read_to_string("/proc/stat").ok()?;
    stat.lines()
        .find_map(|l| l.strip_prefix("btime "))?
        .trim()
        .parse()
        .ok()
}

fn max_open_files() -> Option<u64> {
    let limits = fs::read_to_string("/proc/self/limits").ok()?;
    let line = limits.lines().find(|l| l.starts_with("Max open files"))?;
    line["Max open files".len()..]
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_command_name_with_spaces_and_parentheses_does_not_shift_the_fields() {
        let fields = stat_fields("42 (a (b) c) S 1 2 3").unwrap();
        assert_eq!(fields, vec!["S", "1", "2", "3"]);
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn the_running_process_reads_sensible_figures() {
        let stats = ProcessStats::read();
        assert!(stats.resident_bytes.unwrap() > 0);
        assert!(stats.virtual_bytes.unwrap() >= stats.resident_bytes.unwrap());
        assert!(stats.open_fds.unwrap() >= 1);
        assert!(stats.max_fds.unwrap() >= stats.open_fds.unwrap());
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs_f64();
        let start = stats.start_time_seconds.unwrap();
        assert!(
            start <= now + 1.0 && start > now - 86_400.0 * 365.0,
            "{start} vs {now}"
        );
        assert!(stats.cpu_seconds.unwrap() >= 0.0);
    }
}
