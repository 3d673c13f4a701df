//! Is a folder on a network file system? There, the kernel only sees this machine's own
//! writes, so notifications miss what other machines append; such folders are polled.
//! Linux answers from `/proc/self/mounts`; elsewhere every folder counts as local.

use std::path::Path;

/// File-system types whose changes may come from another machine.
const NETWORK_FS_TYPES: &[&str] = &[
    "nfs",
    "nfs4",
    "cifs",
    "smb3",
    "smbfs",
    "9p",
    "ceph",
    "glusterfs",
    "afs",
    "davfs",
    "fuse.sshfs",
    "fuse.rclone",
    "fuse.s3fs",
    "fuse.gcsfuse",
    "lustre",
    "gpfs",
];

/// The type of the network file system `dir` is on, if it is on one.
pub fn network_fs_type(dir: &Path) -> Option<String> {
    let mounts = std::fs::read_to_string("/proc/self/mounts").ok()?;
    let dir = std::fs::canonicalize(dir).ok()?;
    mount_type(&mounts, &dir).filter(|t| NETWORK_FS_TYPES.contains(&t.as_str()))
}

/// The file-system type of the longest mount point that contains `path`, from the text of
/// a `mounts` file (`device mountpoint type options dump pass`, spaces in paths as `\040`).
fn mount_type(mounts: &str, path: &Path) -> Option<String> {
    let mut best: Option<(usize, &str)> = None;
    for line in mounts.lines() {
        let mut fields = line.split_ascii_whitespace();
        let (Some(_device), Some(point), Some(fs_type)) =
            (fields.next(), fields.next(), fields.next())
        else {
            continue;
        };
        let point = unescape(point);
        if path.starts_with(&point) && best.is_none_or(|(len, _)| point.len() > len) {
            best = Some((point.len(), fs_type));
        }
    }
    best.map(|(_, t)| t.to_string())
}

/// Undoes the octal escapes of `mounts` (`\040` space, `\011` tab, `\012` newline, `\134`).
fn unescape(field: &str) -> String {
    let bytes = field.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let octal = bytes
            .get(i + 1..i + 4)
            .filter(|d| d.iter().all(|b| (b'0'..=b'7').contains(b)));
        match (bytes[i], octal) {
            (b'\\', Some(d)) => {
                out.push((d[0] - b'0') * 64 + (d[1] - b'0') * 8 + (d[2] - b'0'));
                i += 4;
            }
            (b, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    const MOUNTS: &str = "/dev/sda1 / ext4 rw,relatime 0 0\n\
        proc /proc proc rw 0 0\n\
        srv:/home /home nfs4 rw,vers=4.2 0 0\n\
        /dev/sdb1 /home/ana/local\\040disk ext4 rw 0 0\n\
        sshfs#me@box: /mnt/box fuse.sshfs rw 0 0\n";

    #[test]
    fn the_longest_mount_point_decides() {
        let t = |p: &str| mount_type(MOUNTS, Path::new(p));
        assert_eq!(t("/home/ana/.claude/projects").as_deref(), Some("nfs4"));
        assert_eq!(t("/home/ana/local disk/.claude").as_deref(), Some("ext4"));
        assert_eq!(t("/mnt/box/.codex").as_deref(), Some("fuse.sshfs"));
        assert_eq!(t("/var/tmp").as_deref(), Some("ext4"));
        // A mount point is a whole path component, not a string prefix.
        assert_eq!(t("/homestead").as_deref(), Some("ext4"));
    }

    #[test]
    fn local_folders_are_not_network_ones() {
        let dir = tempfile::tempdir().unwrap();
        // The test machine's temp folder is local (tmpfs or a disk).
        assert_eq!(network_fs_type(dir.path()), None);
    }
}
