//! The walk: every page reached once from the root bucket, branch pages
//! checked as they are met, leaf pages queued as jobs, nested and inline
//! buckets followed.

use super::*;

impl<'a, 'd, V: TopLeafVisitor<'a>> Checker<'a, 'd, V> {
    /// Visits page `id` as a tree page: bounds, references, freed state,
    /// type. Returns its node when its elements should be checked.
    pub(super) fn visit(&mut self, id: u64, from: Option<(u64, u64)>) -> Option<Node<'a>> {
        self.visit_with(id, from, None)
    }

    /// [`Self::visit`] with the page's header already read (by a leaf job).
    pub(super) fn visit_with(
        &mut self,
        id: u64,
        from: Option<(u64, u64)>,
        known: Option<PageHeader>,
    ) -> Option<Node<'a>> {
        let ps = self.db.page_size() as u64;
        let (ref_page, ref_off) = match from {
            Some((p, o)) => (Some(p), Some(o)),
            None => (Some(id), Some(self.page_off(id))),
        };
        if id >= self.file_pages {
            let bbolt = (id > self.hwm).then(|| format!("page {id}: out of bounds: {}", self.hwm));
            self.push(
                ProblemKind::BeyondEndOfFile,
                ref_page,
                ref_off,
                format!(
                    "reference to page {id}, beyond the end of the file ({} pages)",
                    self.file_pages
                ),
                bbolt,
            );
            return None;
        }
        if id >= self.hwm {
            let bbolt = (id > self.hwm).then(|| format!("page {id}: out of bounds: {}", self.hwm));
            self.push(
                ProblemKind::OutOfBounds,
                ref_page,
                ref_off,
                format!(
                    "reference to page {id}, at or beyond the high-water mark {}",
                    self.hwm
                ),
                bbolt,
            );
        }
        if self.state(id) & REACHED != 0 {
            if self.ancestors.contains(&id) {
                self.push(
                    ProblemKind::Cycle,
                    ref_page,
                    ref_off,
                    format!(
                        "reference to page {id}, one of its own ancestors: the tree has a cycle"
                    ),
                    Some(format!("page {id}: multiple references")),
                );
            } else {
                self.push(
                    ProblemKind::MultipleReferences,
                    Some(id),
                    ref_off,
                    format!(
                        "page is referenced more than once (again from page {})",
                        ref_page.unwrap_or(id)
                    ),
                    Some(format!("page {id}: multiple references")),
                );
            }
            return None;
        }
        let off = self.page_off(id);
        let header = match known {
            Some(h) => h,
            None => self
                .db
                .data()
                .get(off as usize..off as usize + layout::PAGE_HEADER_SIZE)
                .and_then(PageHeader::decode)?,
        };
        if header.id.0 != id {
            self.push(
                ProblemKind::PageIdMismatch,
                Some(id),
                Some(off),
                format!(
                    "page header holds id {}, expected {id} (overwritten, zeroed or misplaced page)",
                    header.id
                ),
                None,
            );
        }
        let overflow = u64::from(header.overflow);
        let last = id.saturating_add(overflow);
        self.set(id, REACHED);
        if self.state(id) & FREED != 0 {
            self.push(
                ProblemKind::ReachableFreed,
                Some(id),
                Some(off),
                "page is reachable from the tree but listed as free".to_string(),
                Some(format!("page {id}: reachable freed")),
            );
        }
        if last >= self.file_pages {
            self.push(
                ProblemKind::OverflowPastEndOfFile,
                Some(id),
                Some(off + 12),
                format!(
                    "overflow {overflow} makes the page run to page {last}, past the end of the file ({} pages)",
                    self.file_pages
                ),
                None,
            );
        } else if last >= self.hwm && id < self.hwm {
            self.push(
                ProblemKind::OverflowOutOfBounds,
                Some(id),
                Some(off + 12),
                format!(
                    "overflow {overflow} makes the page run to page {last}, at or beyond the high-water mark {}",
                    self.hwm
                ),
                None,
            );
        }
        for o in id + 1..=last.min(self.file_pages.saturating_sub(1)) {
            let s = self.state(o);
            if s & REACHED != 0 {
                self.push(
                    ProblemKind::MultipleReferences,
                    Some(o),
                    Some(o * ps),
                    format!("overflow page of page {id} is also used elsewhere"),
                    Some(format!("page {o}: multiple references")),
                );
            }
            if s & FREED != 0 {
                self.push(
                    ProblemKind::ReachableFreed,
                    Some(o),
                    Some(o * ps),
                    format!("overflow page of page {id} is listed as free"),
                    None,
                );
            }
            self.set(o, REACHED);
            self.counts.overflow_pages += 1;
        }
        let is_leaf = match header.flags {
            layout::FLAG_LEAF => true,
            layout::FLAG_BRANCH => false,
            f => {
                let both = f & layout::FLAG_LEAF != 0 && f & layout::FLAG_BRANCH != 0;
                self.push(
                    ProblemKind::InvalidType,
                    Some(id),
                    Some(off + 8),
                    format!(
                        "expected a branch or leaf page, found flags {f:#06x} ({})",
                        header.type_name()
                    ),
                    (!both).then(|| {
                        format!("page {}: invalid type: {}", header.id, header.type_name())
                    }),
                );
                return None;
            }
        };
        if last >= self.file_pages {
            return None;
        }
        // `last < file_pages` here, so the whole span is in the file; slicing
        // does not touch the bytes.
        let span = (overflow + 1).saturating_mul(ps);
        let Some(bytes) = self.db.data().get(off as usize..(off + span) as usize) else {
            self.push(
                ProblemKind::BeyondEndOfFile,
                Some(id),
                Some(off),
                format!("page span {span} bytes runs past the end of the file"),
                None,
            );
            return None;
        };
        let page = crate::page::Page {
            id: PageId(id),
            offset: off,
            header,
            bytes,
        };
        if is_leaf {
            self.counts.leaf_pages += 1;
        } else {
            self.counts.branch_pages += 1;
        }
        match Node::new_unchecked(PageId(id), off, page.bytes, is_leaf, header.count, false) {
            Ok(n) => Some(n),
            Err(e) => {
                self.push(
                    ProblemKind::CountTooLarge,
                    Some(id),
                    Some(off + 10),
                    error_text(&e),
                    None,
                );
                None
            }
        }
    }

    pub(super) fn walk_page(
        &mut self,
        id: u64,
        from: Option<(u64, u64)>,
        lo: Option<&'a [u8]>,
        hi: Option<&'a [u8]>,
        depth: usize,
    ) {
        if depth >= MAX_DEPTH {
            self.push(
                ProblemKind::TooDeep,
                Some(id),
                Some(self.page_off(id)),
                format!("more than {MAX_DEPTH} levels of pages and buckets; not followed further"),
                None,
            );
            return;
        }
        self.counter += 1;
        self.seq = self.counter;
        let Some(node) = self.visit(id, from) else {
            return;
        };
        self.ancestors.push(id);
        if node.is_leaf {
            self.check_leaf(&node, lo, hi, depth);
        } else {
            self.check_branch(&node, lo, hi, depth);
        }
        self.ancestors.pop();
    }

    pub(super) fn check_branch(
        &mut self,
        node: &Node<'a>,
        lo: Option<&'a [u8]>,
        hi: Option<&'a [u8]>,
        depth: usize,
    ) {
        if node.count == 0 {
            self.push(
                ProblemKind::EmptyBranch,
                Some(node.page.0),
                Some(node.offset + 10),
                "branch page has no elements".to_string(),
                None,
            );
            return;
        }
        let mut elems: Vec<(&'a [u8], u64, u64)> = Vec::with_capacity(node.count);
        if !clean_branch(node, lo, hi, &mut elems) {
            // Something to report: the element-by-element pass says what.
            elems.clear();
            let mut prev = None;
            let seq = self.seq;
            let bucket = self.path_name.clone();
            for i in 0..node.count {
                match node.branch(i) {
                    Ok(e) => {
                        key_checks(node, i, e.key, prev, lo, hi, &mut |kind, page, off, msg| {
                            self_problems_push(
                                &mut self.problems,
                                seq,
                                &bucket,
                                kind,
                                page,
                                off,
                                msg,
                            )
                        });
                        prev = Some(e.key);
                        elems.push((e.key, e.child.0, node.element_offset(i)));
                    }
                    Err(e) => self.push(
                        ProblemKind::ElementOutOfBounds,
                        Some(node.page.0),
                        Some(err_offset(&e, node.offset)),
                        error_text(&e),
                        None,
                    ),
                }
            }
        }
        // In a B+tree all children of a branch have the same type: when the
        // first child is a leaf, the children become leaf jobs, checked in
        // parallel later (a job that finds a non-leaf hands it back).
        let first_is_leaf = elems.first().is_some_and(|(_, c, _)| {
            *c < self.file_pages
                && self
                    .db
                    .header(PageId(*c))
                    .is_ok_and(|h| h.flags == layout::FLAG_LEAF)
        });
        if first_is_leaf {
            let ctx = JobCtx {
                depth: depth + 1,
                bucket: self.path_name.clone(),
                path: self.path.clone(),
                ancestors: self.ancestors.clone(),
                top: self.top,
            };
            let index = self.job_ctxs.len();
            let (from, first_seq) = (node.page.0, self.counter + 1);
            self.counter += elems.len() as u64;
            let jobs = elems
                .iter()
                .enumerate()
                .map(|(j, (key, child, eoff))| LeafJob {
                    id: *child,
                    from: (from, *eoff + 8),
                    lo: Some(*key),
                    hi: elems.get(j + 1).map(|n| n.0).or(hi),
                    seq: first_seq + j as u64,
                    ctx: index,
                });
            self.queue_jobs(ctx, jobs);
            return;
        }
        for (j, (key, child, eoff)) in elems.iter().enumerate() {
            let next = elems.get(j + 1).map(|n| n.0).or(hi);
            // A child's keys start at its branch key and stay below the next one.
            self.walk_page(
                *child,
                Some((node.page.0, *eoff + 8)),
                Some(*key),
                next,
                depth + 1,
            );
        }
    }

    /// Checks a leaf: bucket elements now (they lead to more pages), the
    /// other element checks later in parallel (inline pages right away).
    pub(super) fn check_leaf(
        &mut self,
        node: &Node<'a>,
        lo: Option<&'a [u8]>,
        hi: Option<&'a [u8]>,
        depth: usize,
    ) {
        let root = self.path.is_empty();
        if let Some(top) = self.top {
            let mut acc = V::Acc::default();
            self.visitor.leaf(&mut acc, node);
            merge_top(self.visitor, &mut self.tops, top, acc);
        }
        if let Some(clean) = clean_leaf(node, lo, hi, root) {
            self.counts.keys += clean.keys;
            if clean.has_buckets {
                self.sub_buckets(node, depth);
            }
            return;
        }
        let seq = self.seq;
        let bucket = self.path_name.clone();
        let problems = &mut self.problems;
        self.counts.keys += leaf_contents(node, lo, hi, root, &mut |kind, page, off, msg| {
            self_problems_push(problems, seq, &bucket, kind, page, off, msg)
        });
        self.sub_buckets(node, depth);
    }

    /// Follows the bucket elements of a leaf.
    pub(super) fn sub_buckets(&mut self, node: &Node<'a>, depth: usize) {
        for i in 0..node.count {
            if node.leaf_flags(i) & LEAF_FLAG_BUCKET == 0 {
                continue;
            }
            // Bounds problems of this element are reported by `leaf_contents`.
            let Ok(e) = node.leaf(i) else {
                continue;
            };
            self.counts.buckets += 1;
            let eoff = node.element_offset(i);
            let saved_top = self.top;
            self.top = if self.path.is_empty() {
                self.tops.push((e.key, V::Acc::default()));
                Some(self.tops.len() - 1)
            } else {
                None
            };
            self.enter_bucket(e.key);
            match Bucket::from_value(self.db, node.page, e.value) {
                Err(err) => {
                    let kind = match &err {
                        Error::Corrupt { what, .. } if what.starts_with("bucket value") => {
                            ProblemKind::BadBucketValue
                        }
                        _ => ProblemKind::BadInlineBucket,
                    };
                    self.push(
                        kind,
                        Some(node.page.0),
                        Some(err_offset(&err, eoff)),
                        error_text(&err),
                        None,
                    );
                }
                Ok(bucket) => match bucket.root {
                    Root::Inline(n) => {
                        self.counts.inline_buckets += 1;
                        if depth + 1 >= MAX_DEPTH {
                            self.push(
                                ProblemKind::TooDeep,
                                Some(node.page.0),
                                Some(n.offset),
                                format!("more than {MAX_DEPTH} levels; not followed further"),
                                None,
                            );
                        } else {
                            self.check_leaf(&n, None, None, depth + 1);
                        }
                    }
                    Root::Page(p) => {
                        let saved = std::mem::take(&mut self.ancestors);
                        self.walk_page(
                            p.0,
                            Some((node.page.0, self.db.offset_of(e.value))),
                            None,
                            None,
                            depth + 1,
                        );
                        self.ancestors = saved;
                    }
                },
            }
            self.leave_bucket();
            self.top = saved_top;
        }
    }
}
