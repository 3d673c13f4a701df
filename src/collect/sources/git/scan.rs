//! One repository, read through libgit2 (no `git log` text): the local branches' commits
//! that are new since the stored ref positions, each with its AI attribution, line counts,
//! the branch it was found on, ticket key, and the commits it reverts or fixes.

use crate::domain::attribution::{self, Person};
use crate::store::ops::{CommitRow, Op};
use git2::{BranchType, DiffFindOptions, DiffOptions, Oid, Repository, Sort};
use std::collections::{BTreeMap, HashSet};

/// Ref name → commit id, as stored in the repository's cursor.
pub type RefPositions = BTreeMap<String, String>;

/// What one scan found.
#[derive(Debug, Default)]
pub struct RepoScan {
    /// The repository's identity (`github.com/acme/api`, else its path).
    pub project_id: String,
    pub display_name: String,
    /// Commit upserts first, then revert/fix links.
    pub ops: Vec<Op>,
    pub commits: usize,
    pub ai_commits: usize,
    pub positions: RefPositions,
    /// Commits that could not be read (id and reason); everything else is kept.
    pub problems: Vec<String>,
}

/// Scans `repo` for commits reachable from its local branches and not from `stored`.
/// The walk goes newest first and stops after `max_commits`: a first scan of a long
/// history keeps the newest commits and never reads further back.
pub fn scan(
    repo: &Repository,
    stored: &RefPositions,
    max_commits: usize,
) -> Result<RepoScan, git2::Error> {
    let (project_id, display_name) = identity(repo);
    let mut out = RepoScan {
        project_id,
        display_name,
        ..RepoScan::default()
    };
    let branches = branch_tips(repo)?;
    out.positions = branches
        .iter()
        .map(|(name, oid)| (format!("refs/heads/{name}"), oid.to_string()))
        .collect();
    // Commits a rewritten branch left behind come out first (their replacements, if any,
    // are new commits read below).
    out.ops.extend(
        rewritten_away(repo, stored, &branches)?
            .into_iter()
            .map(|sha| Op::ForgetCommit {
                repo: out.project_id.clone(),
                sha,
            }),
    );
    let hidden: Vec<Oid> = stored
        .values()
        .filter_map(|s| Oid::from_str(s).ok())
        .filter(|oid| repo.find_commit(*oid).is_ok())
        .collect();
    let mut seen: HashSet<Oid> = HashSet::new();
    let mut links: Vec<Op> = Vec::new();
    let cut_off = shallow_boundary(repo);
    for (branch, tip) in &branches {
        let mut walk = repo.revwalk()?;
        walk.set_sorting(Sort::TIME)?;
        walk.push(*tip)?;
        for oid in &hidden {
            walk.hide(*oid)?;
        }
        for oid in walk {
            if out.commits >= max_commits {
                break;
            }
            let oid = match oid {
                Ok(o) => o,
                Err(e) => {
                    out.problems
                        .push(format!("branch {branch}: {}", e.message()));
                    break;
                }
            };
            if !seen.insert(oid) {
                continue;
            }
            match commit_row(repo, oid, &out.project_id, branch, cut_off.contains(&oid)) {
                Ok((row, row_links)) => {
                    out.commits += 1;
                    out.ai_commits += usize::from(row.ai_agent.is_some());
                    out.ops.push(Op::UpsertCommit(row));
                    links.extend(row_links);
                }
                Err(e) => out.problems.push(format!("commit {oid}: {}", e.message())),
            }
        }
    }
    out.ops.extend(links);
    Ok(out)
}

/// The commits a branch held at its stored position and no local branch holds now, for
/// every branch that still exists but was moved other than forward (amend, rebase, reset).
/// A deleted branch forgets nothing (its commits may live on, squashed, elsewhere).
fn rewritten_away(
    repo: &Repository,
    stored: &RefPositions,
    current: &[(String, Oid)],
) -> Result<Vec<String>, git2::Error> {
    let mut walk = repo.revwalk()?;
    let mut any = false;
    for (name, old) in stored {
        let (Some(branch), Ok(old)) = (name.strip_prefix("refs/heads/"), Oid::from_str(old)) else {
            continue;
        };
        let Some((_, new)) = current.iter().find(|(n, _)| n == branch) else {
            continue;
        };
        if *new == old || repo.find_commit(old).is_err() || repo.graph_descendant_of(*new, old)? {
            continue;
        }
        walk.push(old)?;
        any = true;
    }
    if !any {
        return Ok(Vec::new());
    }
    for (_, tip) in current {
        walk.hide(*tip)?;
    }
    Ok(walk.flatten().map(|oid| oid.to_string()).collect())
}

/// Local branches, the default branch first (commits shared with it are named after it):
/// the one `origin/HEAD` names, else `main`, `master`, `trunk`, then HEAD's, then the rest.
fn branch_tips(repo: &Repository) -> Result<Vec<(String, Oid)>, git2::Error> {
    let origin_head = repo
        .find_reference("refs/remotes/origin/HEAD")
        .ok()
        .and_then(|r| r.symbolic_target().ok().flatten().map(str::to_string))
        .and_then(|t| t.strip_prefix("refs/remotes/origin/").map(str::to_string));
    let head = repo
        .head()
        .ok()
        .and_then(|h| h.shorthand().ok().map(str::to_string));
    let mut tips = Vec::new();
    for b in repo.branches(Some(BranchType::Local))? {
        let (branch, _) = b?;
        let (Some(name), Some(oid)) = (branch.name().ok().flatten(), branch.get().target()) else {
            continue;
        };
        tips.push((name.to_string(), oid));
    }
    let rank = |name: &str| -> u8 {
        if Some(name) == origin_head.as_deref() {
            0
        } else if matches!(name, "main" | "master" | "trunk") {
            1
        } else if Some(name) == head.as_deref() {
            2
        } else {
            3
        }
    };
    tips.sort_by(|a, b| (rank(&a.0), &a.0).cmp(&(rank(&b.0), &b.0)));
    Ok(tips)
}

/// `origin`'s canonical id (else the first remote's), else the working directory.
fn identity(repo: &Repository) -> (String, String) {
    let remote_url = repo
        .find_remote("origin")
        .ok()
        .and_then(|r| r.url().ok().map(str::to_string))
        .or_else(|| {
            let names = repo.remotes().ok()?;
            let first = names.iter().flatten().flatten().next()?.to_string();
            repo.find_remote(&first)
                .ok()?
                .url()
                .ok()
                .map(str::to_string)
        });
    if let Some(id) = remote_url
        .as_deref()
        .and_then(crate::collect::project::canonical_remote)
    {
        let name = id.rsplit('/').next().unwrap_or(&id).to_string();
        return (id, name);
    }
    let path = repo.workdir().unwrap_or_else(|| repo.path());
    let path = path.to_string_lossy().trim_end_matches('/').to_string();
    let name = path.rsplit('/').next().unwrap_or(&path).to_string();
    (path, name)
}

/// The commits whose parents a shallow clone cut off (listed in `.git/shallow`): libgit2
/// shows them as root commits, whose diff would count the whole tree as written.
fn shallow_boundary(repo: &Repository) -> HashSet<Oid> {
    if !repo.is_shallow() {
        return HashSet::new();
    }
    std::fs::read_to_string(repo.path().join("shallow"))
        .unwrap_or_default()
        .lines()
        .filter_map(|l| Oid::from_str(l.trim()).ok())
        .collect()
}

fn commit_row(
    repo: &Repository,
    oid: Oid,
    project_id: &str,
    branch: &str,
    parents_cut_off: bool,
) -> Result<(CommitRow, Vec<Op>), git2::Error> {
    let commit = repo.find_commit(oid)?;
    let message = String::from_utf8_lossy(commit.message_bytes()).into_owned();
    let (author, committer) = (commit.author(), commit.committer());
    let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
    let (a_name, a_email) = (text(author.name_bytes()), text(author.email_bytes()));
    let (c_name, c_email) = (text(committer.name_bytes()), text(committer.email_bytes()));
    let found = attribution::attribute(
        Person {
            name: &a_name,
            email: &a_email,
        },
        Person {
            name: &c_name,
            email: &c_email,
        },
        &message,
    );
    let is_merge = commit.parent_count() > 1;
    // A shallow clone's oldest commits: their parents are not here, their lines unknown.
    let (added, removed) = if is_merge || parents_cut_off {
        (0, 0)
    } else {
        line_counts(repo, &commit)?
    };
    let sha = oid.to_string();
    let ticket = attribution::ticket_keys(&message)
        .into_iter()
        .next()
        .or_else(|| attribution::branch_ticket_keys(branch).into_iter().next());
    let author_id = if a_email.trim().is_empty() {
        a_name.trim().to_string()
    } else {
        crate::domain::identity::normalise_email(&a_email)
    };
    let mut links = Vec::new();
    if let Some(target) = attribution::reverted_commit(&message) {
        // Reverting a merge (`git revert -m 1`) undoes every commit it brought in.
        for undone in std::iter::once(target.clone()).chain(merged_in(repo, &target)) {
            links.push(Op::LinkCommit {
                repo: project_id.to_string(),
                sha_prefix: undone,
                reverted_by: Some(sha.clone()),
                fixed_by: None,
            });
        }
    }
    for target in attribution::fixed_commits(&message) {
        links.push(Op::LinkCommit {
            repo: project_id.to_string(),
            sha_prefix: target,
            reverted_by: None,
            fixed_by: Some(sha.clone()),
        });
    }
    let row = CommitRow {
        repo: project_id.to_string(),
        sha,
        author: author_id,
        // The committer's time: when the commit was made (rebases and amends move it).
        ts: committer.when().seconds().saturating_mul(1000),
        ai_agent: found.map(|f| f.tool.as_str().to_string()),
        ai_detected_by: found.map(|f| f.detected_by.as_str().to_string()),
        lines_added: added,
        lines_removed: removed,
        reverted_by: None,
        ticket_key: ticket,
        branch: Some(branch.to_string()),
        is_merge,
    };
    Ok((row, links))
}

/// The commits merge `target` (an abbreviated or full id) brought in: reachable from its
/// other parents, not from its first. Not a merge, or not in this repository: none.
fn merged_in(repo: &Repository, target: &str) -> Vec<String> {
    let Some(merge) = repo
        .revparse_single(target)
        .ok()
        .and_then(|o| o.peel_to_commit().ok())
        .filter(|c| c.parent_count() > 1)
    else {
        return Vec::new();
    };
    let Ok(mut walk) = repo.revwalk() else {
        return Vec::new();
    };
    for id in merge.parent_ids().skip(1) {
        let _ = walk.push(id);
    }
    if let Some(first) = merge.parent_ids().next() {
        let _ = walk.hide(first);
    }
    walk.flatten().map(|oid| oid.to_string()).collect()
}

/// Lines added and removed against the first parent (the empty tree for a root commit),
/// renames detected.
fn line_counts(repo: &Repository, commit: &git2::Commit<'_>) -> Result<(i64, i64), git2::Error> {
    let tree = commit.tree()?;
    let parent = match commit.parent(0) {
        Ok(p) => Some(p.tree()?),
        Err(_) => None,
    };
    let mut opts = DiffOptions::new();
    opts.ignore_submodules(true);
    let mut diff = repo.diff_tree_to_tree(parent.as_ref(), Some(&tree), Some(&mut opts))?;
    // A renamed (or moved) file counts only the lines that changed, as `git show --stat` does.
    diff.find_similar(Some(DiffFindOptions::new().renames(true)))?;
    let stats = diff.stats()?;
    Ok((stats.insertions() as i64, stats.deletions() as i64))
}
