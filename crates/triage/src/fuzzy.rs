//! Typo tolerance: a keyword word of five letters or more also matches a message word at one
//! edit ("cancle", "refnd", "benificiary"), so that a customer's typo does not send the
//! message to the default category.
//!
//! What counts as one edit: the optimal-string-alignment (restricted Damerau) distance 1, that
//! is one substitution (`refind`), insertion (`refunnd`), deletion (`refnd`) or swap of two
//! neighbouring letters (`cancle`). Which words:
//! - *keyword side*: a word of 5 to [`MAX_WORD`] letters of a spaced script (Latin, Cyrillic,
//!   Greek, …; letters only, no digits) in an `any` or `all` keyword of a rule that has not
//!   turned it off with `fuzzy = false`. In a phrase (`money back`) each such word may be at
//!   one edit, the other words must be exact. The stem of a `*` keyword (`cancel*`) matches a
//!   whole word at one edit (`cancle`), not a longer one (`cancleation`). Keywords with CJK
//!   characters never fuzz (one character is a word there), nor do `none` keywords (a typo
//!   must not block a rule) or signal words (a typo must not escalate).
//! - *message side*: a word of four letters or more, no digits, that is not itself a word
//!   of any keyword or signal word of the pack (an exact word means what it says, so
//!   `older`, if some rule lists it, is never read as `order`; and a message word found
//!   exactly by the automaton is never fuzzed, so exact matches win), and not a correctly
//!   spelled English word ([`ENGLISH_WORDS`]), except for a doubled or undoubled letter
//!   (`canceled` matches `cancelled`, as squeezing double letters once made them equal).
//!
//! The dictionary guard was chosen by backtest on held-out data (BENCHMARKS.md,
//! 2026-12-05). Without it, a keyword at one edit matched real words much more often than
//! typos: `reach` → `breach*`, `eating` → `rating*`, `spending` → `pending`, `living` →
//! `loving`, `slipped` → `shipped`, `free` → `freez*`, `trace` → `track*`, `fund` →
//! `funds`; with it, every match in the held-out sets was a real typo (`inovice`,
//! `padsword`, `cancfel`, `shippinh`, `tranasaction`). Requiring the same first letter
//! removed only some of those (not `slipped`, `living`, `free`) and lost real typos
//! (`udeliver`), and requiring five letters in the message word lost more right matches
//! than wrong ones; neither is used. The dictionary is English only: in other scripts and
//! languages only the pack's own words guard.
//!
//! How it stays fast (the SymSpell idea): at compile time every eligible keyword word and
//! every string made by deleting one of its letters are put in a hash map (with a bloom
//! filter in front that fits in the L1/L2 cache). Two words are at OSA distance ≤ 1 only if
//! they share such a string, so at classify time a message word needs one probe for itself
//! and one per letter deleted; the hashes of all its deletions come from one prefix and one
//! suffix pass (polynomial hashing), and almost every probe stops at the bloom filter. A
//! candidate is then verified with a real distance check. Nothing is allocated per message:
//! the spans and candidates live in the engine's per-thread scratch.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use crate::normalize::is_cjk;

/// The longest keyword word that fuzzes (longer ones are rare and exact enough).
pub(crate) const MAX_WORD: usize = 24;
/// The fewest letters of a keyword word that fuzzes.
pub(crate) const MIN_KEYWORD: usize = 5;
/// The fewest letters of a message word that is looked up (a deletion of a 5-letter word).
const MIN_MESSAGE: usize = MIN_KEYWORD - 1;

/// English words of 4 to 25 lower-case letters (SCOWL size 35, the `wamerican-small` list;
/// licence in `data/LICENSE-english-words`). A message word in it is spelled right: it is
/// never read as a typo of a keyword (`reach` is not `breach`, `living` not `loving`).
const ENGLISH_WORDS: &str = include_str!("../data/english-words.txt");

/// Key flag: a word of the pack ([`Entry::exact`]).
const EXACT: u8 = 1;
/// Key flag: an English word near a keyword word ([`Entry::dict`]).
const DICT: u8 = 2;

/// The polynomial hash base (odd, so multiplication by it is invertible mod 2^64).
const BASE: u64 = 0x0000_0100_0000_01B3;

/// A hasher for keys that are already well mixed hashes.
#[derive(Default)]
struct Identity(u64);

impl Hasher for Identity {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 << 8) | u64::from(b);
        }
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

type IdMap<V> = HashMap<u64, V, BuildHasherDefault<Identity>>;

/// What a key of the index stands for.
#[derive(Debug, Clone, Copy)]
struct Entry {
    /// The key is (the hash of) a whole word of some keyword or signal word: a message word
    /// with this hash is not fuzzed.
    exact: bool,
    /// The key is an English word near a keyword word: a message word with this hash only
    /// matches a spelling variant that doubles a letter (`canceled`, `cancelled`).
    dict: bool,
    /// The eligible words sharing this key, `cands[from..from + len]`.
    from: u32,
    len: u32,
}

/// One use of an eligible word: word `pos` of the `len` words of pattern `pattern`.
#[derive(Debug, Clone, Copy)]
struct WordUse {
    pattern: u32,
    pos: u16,
    len: u16,
}

/// The words of a fuzzy phrase (a keyword of several words, or a `*` one).
#[derive(Debug)]
struct Phrase {
    words: Vec<Box<[u32]>>,
    eligible: Vec<bool>,
    /// The last word is a stem (`money back*`): when it is not the one at one edit, a message
    /// word only needs to start with it.
    prefix: bool,
}

/// A keyword pattern matched at one edit: `from..to` is the byte span of the message words
/// in the matching form.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct FuzzyHit {
    pub pattern: u32,
    pub from: u32,
    pub to: u32,
}

/// Per-thread working memory of [`FuzzyIndex::search`].
#[derive(Debug, Default)]
pub(crate) struct FuzzyScratch {
    /// Byte spans of the words of the matching form.
    spans: Vec<(u32, u32)>,
    /// Verified candidate word ids of the current message word.
    found: Vec<u32>,
    /// The hits, sorted by pattern, one per pattern.
    pub hits: Vec<FuzzyHit>,
}

/// The deletion index over a pack's eligible keyword words (see the module docs).
#[derive(Debug, Default)]
pub(crate) struct FuzzyIndex {
    words: Vec<Box<[u32]>>,
    uses: Vec<Vec<WordUse>>,
    phrases: HashMap<u32, Phrase>,
    map: IdMap<Entry>,
    cands: Vec<u32>,
    bloom: Vec<u64>,
    bloom_mask: u64,
    max_len: usize,
    /// The first two and the last two letters of every eligible word with its length, as
    /// bits ([`pair_bit`]): a message word that shares neither its first two letters nor its
    /// last two with an eligible word of its length ±1 is at more than one edit from all of
    /// them, and costs six bit tests instead of a probe per letter.
    pairs: Vec<u64>,
    /// The bloom filter of [`ENGLISH_WORDS`] ([`FuzzyIndex::in_dictionary`]).
    dict: Vec<u64>,
}

/// The bits of the pair filter.
const PAIR_BITS: u64 = 1 << 15;

/// The bit of the pair filter for letters `a`, `b` at the start (`end` false) or at the end
/// of a word of `len` letters.
fn pair_bit(a: u32, b: u32, len: usize, end: bool) -> u64 {
    let h = (u64::from(a).wrapping_mul(0x9E37_79B9_7F4A_7C15))
        ^ (u64::from(b).wrapping_mul(0xC2B2_AE3D_27D4_EB4F))
        ^ ((len as u64) << 1 | u64::from(end)).wrapping_mul(0x1656_67B1_9E37_79F9);
    (h >> 40) & (PAIR_BITS - 1)
}

/// Whether `w` (code points) is a word that may be at one edit in a keyword.
fn eligible(w: &[u32]) -> bool {
    (MIN_KEYWORD..=MAX_WORD).contains(&w.len()) && w.iter().all(|&c| is_letter(c))
}

/// Whether a keyword pattern (as the automaton holds it) has a word that may be at one edit.
pub(crate) fn may_fuzz(pattern: &str) -> bool {
    let core = pattern.trim_matches(' ');
    !core.chars().any(is_cjk) && core.split(' ').any(|w| eligible(&code_points(w)))
}

/// A letter of a spaced script.
fn is_letter(c: u32) -> bool {
    if c < 0x80 {
        return (c as u8).is_ascii_lowercase();
    }
    char::from_u32(c).is_some_and(|c| c.is_alphabetic() && !is_cjk(c))
}

fn code_points(w: &str) -> Box<[u32]> {
    w.chars().map(u32::from).collect()
}

/// The final mix of a polynomial hash with the length (SplitMix64's finaliser).
fn finish(h: u64, len: usize) -> u64 {
    let mut z = h ^ (len as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

fn hash(w: &[u32]) -> u64 {
    let h = w.iter().fold(0u64, |h, &c| {
        h.wrapping_mul(BASE).wrapping_add(u64::from(c))
    });
    finish(h, w.len())
}

/// Calls `f` with the hash of `w` and then of each string made by deleting one letter
/// (`w.len() <= MAX_WORD + 1`), computed from prefix and suffix hashes in one pass each.
fn for_each_key(w: &[u32], mut f: impl FnMut(u64)) {
    const N: usize = MAX_WORD + 2;
    let n = w.len();
    if n >= N {
        return;
    }
    let mut pre = [0u64; N]; // pre[i]: hash of w[..i]
    let mut suf = [0u64; N]; // suf[i]: hash of w[i..]
    let mut pow = [1u64; N]; // pow[j]: BASE^j
    for i in 0..n {
        pre[i + 1] = pre[i].wrapping_mul(BASE).wrapping_add(u64::from(w[i]));
        pow[i + 1] = pow[i].wrapping_mul(BASE);
    }
    for i in (0..n).rev() {
        suf[i] = u64::from(w[i])
            .wrapping_mul(pow[n - 1 - i])
            .wrapping_add(suf[i + 1]);
    }
    f(finish(pre[n], n));
    deletions(w, &pre, &suf, &pow, f);
}

/// Calls `f` with the hash of each string made by deleting one letter of `w`.
fn for_each_deletion(w: &[u32], f: impl FnMut(u64)) {
    const N: usize = MAX_WORD + 2;
    let n = w.len();
    if n >= N {
        return;
    }
    let mut pre = [0u64; N];
    let mut suf = [0u64; N];
    let mut pow = [1u64; N];
    for i in 0..n {
        pre[i + 1] = pre[i].wrapping_mul(BASE).wrapping_add(u64::from(w[i]));
        pow[i + 1] = pow[i].wrapping_mul(BASE);
    }
    for i in (0..n).rev() {
        suf[i] = u64::from(w[i])
            .wrapping_mul(pow[n - 1 - i])
            .wrapping_add(suf[i + 1]);
    }
    deletions(w, &pre, &suf, &pow, f);
}

/// The deletion hashes from the prefix, suffix and power tables of `w`.
fn deletions(w: &[u32], pre: &[u64], suf: &[u64], pow: &[u64], mut f: impl FnMut(u64)) {
    let n = w.len();
    for i in 0..n {
        // The hash of w without w[i]: the prefix shifted past the suffix, plus the suffix.
        let h = pre[i].wrapping_mul(pow[n - 1 - i]).wrapping_add(suf[i + 1]);
        f(finish(h, n - 1));
    }
}

/// Whether `a` and `b` are at optimal-string-alignment distance 1 or 0.
pub(crate) fn within_one<T: PartialEq>(a: &[T], b: &[T]) -> bool {
    let (n, m) = (a.len(), b.len());
    if n.abs_diff(m) > 1 {
        return false;
    }
    let p = a.iter().zip(b).take_while(|(x, y)| x == y).count();
    if p == n && p == m {
        return true;
    }
    if n == m {
        a[p + 1..] == b[p + 1..]
            || (p + 1 < n && a[p] == b[p + 1] && a[p + 1] == b[p] && a[p + 2..] == b[p + 2..])
    } else if n + 1 == m {
        a[p..] == b[p + 1..]
    } else {
        a[p + 1..] == b[p..]
    }
}

/// Whether `a` and `b` differ by one letter written once in one and twice in the other
/// (`canceled`, `cancelled`): the spelling variants that squeezing double letters used to
/// merge.
pub(crate) fn doubling<T: PartialEq>(a: &[T], b: &[T]) -> bool {
    let (a, b) = if a.len() < b.len() { (a, b) } else { (b, a) };
    if a.len() + 1 != b.len() {
        return false;
    }
    let p = a.iter().zip(b).take_while(|(x, y)| x == y).count();
    a[p..] == b[p + 1..] && ((p > 0 && b[p - 1] == b[p]) || b.get(p + 1) == Some(&b[p]))
}

/// A pattern given to [`FuzzyIndex::build`].
pub(crate) struct Source<'a> {
    /// The pattern as the automaton holds it (with its boundary spaces).
    pub pattern: &'a str,
    /// Its id.
    pub id: u32,
    /// Used by an `any` or `all` keyword of a rule with typo tolerance on.
    pub fuzzy: bool,
    /// Its words are words of the pack (a keyword or signal word, not a regex gate).
    pub guard: bool,
}

impl FuzzyIndex {
    /// The index over `sources` (see the module docs for which words go in).
    pub(crate) fn build<'a>(sources: impl IntoIterator<Item = Source<'a>>) -> FuzzyIndex {
        let mut ix = FuzzyIndex::default();
        let mut word_ids: HashMap<Box<[u32]>, u32> = HashMap::new();
        let mut keys: IdMap<(u8, Vec<u32>)> = IdMap::default();
        for s in sources {
            let core = s.pattern.trim_matches(' ');
            let cjk = core.chars().any(is_cjk);
            let words: Vec<Box<[u32]>> = core.split(' ').map(code_points).collect();
            if s.guard && !cjk {
                for w in &words {
                    keys.entry(hash(w)).or_default().0 |= EXACT;
                }
            }
            if !s.fuzzy || !may_fuzz(s.pattern) {
                continue;
            }
            let len = words.len() as u16;
            let prefix = !s.pattern.ends_with(' ');
            for (pos, w) in words.iter().enumerate() {
                if !eligible(w) {
                    continue;
                }
                let next = ix.words.len() as u32;
                let id = *word_ids.entry(w.clone()).or_insert(next);
                if id == next {
                    ix.words.push(w.clone());
                    ix.uses.push(Vec::new());
                    ix.max_len = ix.max_len.max(w.len());
                    ix.pairs.resize((PAIR_BITS / 64) as usize, 0);
                    let n = w.len();
                    for bit in [
                        pair_bit(w[0], w[1], n, false),
                        pair_bit(w[n - 2], w[n - 1], n, true),
                    ] {
                        ix.pairs[(bit >> 6) as usize] |= 1 << (bit & 63);
                    }
                    for_each_key(w, |k| {
                        let list = &mut keys.entry(k).or_default().1;
                        if list.last() != Some(&id) {
                            list.push(id);
                        }
                    });
                }
                ix.uses[id as usize].push(WordUse {
                    pattern: s.id,
                    pos: pos as u16,
                    len,
                });
            }
            if len > 1 || prefix {
                let eligible = words.iter().map(|w| eligible(w)).collect();
                ix.phrases.insert(
                    s.id,
                    Phrase {
                        words,
                        eligible,
                        prefix,
                    },
                );
            }
        }
        if ix.words.is_empty() {
            return FuzzyIndex::default();
        }
        ix.guard_dictionary_words(&mut keys);
        ix.dict = FuzzyIndex::dictionary_filter();
        let bits = (keys.len() * 16).next_power_of_two().max(1 << 12);
        ix.bloom = vec![0; bits / 64];
        ix.bloom_mask = bits as u64 - 1;
        for (k, (flags, list)) in keys {
            let from = ix.cands.len() as u32;
            ix.cands.extend_from_slice(&list);
            ix.map.insert(
                k,
                Entry {
                    exact: flags & EXACT != 0,
                    dict: flags & DICT != 0,
                    from,
                    len: list.len() as u32,
                },
            );
            let bit = (k >> 32) & ix.bloom_mask;
            ix.bloom[(bit >> 6) as usize] |= 1 << (bit & 63);
        }
        ix
    }

    /// Marks the English words at one edit from an eligible keyword word as exact (see
    /// [`ENGLISH_WORDS`]), so that they are never read as typos of it.
    fn guard_dictionary_words(&self, keys: &mut IdMap<(u8, Vec<u32>)>) {
        let mut w = Vec::with_capacity(MAX_WORD + 1);
        for word in ENGLISH_WORDS.lines() {
            if word.len() > self.max_len + 1 {
                continue;
            }
            w.clear();
            w.extend(word.bytes().map(u32::from));
            let (mut near, mut variants) = (false, Vec::new());
            for_each_key(&w, |k| {
                if let Some((_, list)) = keys.get(&k) {
                    for &id in list {
                        let kw = &self.words[id as usize];
                        near |= within_one(&w, kw);
                        if doubling(&w, kw) {
                            variants.push(id);
                        }
                    }
                }
            });
            if near {
                // A doubled-letter variant is found under the word's own hash (a message
                // word in the dictionary gets no deletion probes).
                let entry = keys.entry(hash(&w)).or_default();
                entry.0 |= DICT;
                for id in variants {
                    if !entry.1.contains(&id) {
                        entry.1.push(id);
                    }
                }
            }
        }
    }

    /// The bloom filter of [`ENGLISH_WORDS`], 24 bits a word.
    fn dictionary_filter() -> Vec<u64> {
        let count = ENGLISH_WORDS.lines().count().max(1);
        let bits = (count * 24).next_power_of_two();
        let mut dict = vec![0u64; bits / 64];
        let mask = bits as u64 - 1;
        let mut w = Vec::with_capacity(MAX_WORD + 1);
        for word in ENGLISH_WORDS.lines() {
            w.clear();
            w.extend(word.bytes().map(u32::from));
            let h = hash(&w);
            for i in 0..3 {
                let bit = (h >> (i * 21)) & mask;
                dict[(bit >> 6) as usize] |= 1 << (bit & 63);
            }
        }
        dict
    }

    /// Whether no keyword fuzzes (then [`FuzzyIndex::search`] need not run).
    pub(crate) fn is_empty(&self) -> bool {
        self.words.is_empty()
    }

    /// Whether word `w` passes the pair filter (see [`FuzzyIndex::pairs`]). Sound for
    /// eligible words of five letters or more: one edit touches at most two neighbouring
    /// letters, or shifts the letters after it, so it leaves the first two letters or the
    /// last two in place.
    fn may_be_near(&self, w: &[u32]) -> bool {
        let n = w.len();
        let test = |bit: u64| self.pairs[(bit >> 6) as usize] & (1 << (bit & 63)) != 0;
        (n - 1..=n + 1).any(|len| {
            test(pair_bit(w[0], w[1], len, false)) || test(pair_bit(w[n - 2], w[n - 1], len, true))
        })
    }

    /// Whether the word with hash `h` is in [`ENGLISH_WORDS`] (a bloom filter of three
    /// probes at 24 bits a word: about one non-word in 600 is taken for a word, and so
    /// loses typo tolerance).
    fn in_dictionary(&self, h: u64) -> bool {
        if self.dict.is_empty() {
            return false;
        }
        let mask = (self.dict.len() as u64 * 64) - 1;
        (0..3).all(|i| {
            let bit = (h >> (i * 21)) & mask;
            self.dict[(bit >> 6) as usize] & (1 << (bit & 63)) != 0
        })
    }

    fn probe(&self, k: u64) -> Option<Entry> {
        let bit = (k >> 32) & self.bloom_mask;
        if self.bloom[(bit >> 6) as usize] & (1 << (bit & 63)) == 0 {
            return None;
        }
        self.map.get(&k).copied()
    }

    /// Finds the keyword patterns that `matching` (a message's matching form) contains at
    /// one edit and that `exact` (the sorted pattern ids the automaton found) does not;
    /// fills `s.hits`, sorted by pattern.
    pub(crate) fn search(&self, matching: &str, exact: &[u32], s: &mut FuzzyScratch) {
        s.hits.clear();
        s.spans.clear();
        let bytes = matching.as_bytes();
        let mut start = None;
        for (i, &b) in bytes.iter().enumerate() {
            match (b == b' ', start) {
                (true, Some(from)) => {
                    s.spans.push((from as u32, i as u32));
                    start = None;
                }
                (false, None) => start = Some(i),
                _ => {}
            }
        }
        let mut buf = [0u32; MAX_WORD + 2];
        for wi in 0..s.spans.len() {
            let (from, to) = s.spans[wi];
            let word = &matching[from as usize..to as usize];
            // A quick length filter before decoding: bytes >= chars.
            if word.len() < MIN_MESSAGE {
                continue;
            }
            let mut n = 0;
            let mut ok = true;
            for c in word.chars() {
                if n == buf.len() || !is_letter(u32::from(c)) {
                    ok = false;
                    break;
                }
                buf[n] = u32::from(c);
                n += 1;
            }
            if !ok || n < MIN_MESSAGE || n > self.max_len + 1 {
                continue;
            }
            let w = &buf[..n];
            if !self.may_be_near(w) {
                continue;
            }
            s.found.clear();
            // The word itself: a word of the pack is never fuzzed; an English word only
            // matches a doubled-letter variant, which is listed under its own hash, so it
            // needs no deletion probes (most words of a message are English words).
            let h = hash(w);
            let mut dict_word = self.in_dictionary(h);
            if let Some(e) = self.probe(h) {
                if e.exact {
                    continue;
                }
                dict_word |= e.dict;
                s.found
                    .extend_from_slice(&self.cands[e.from as usize..(e.from + e.len) as usize]);
            }
            if !dict_word {
                for_each_deletion(w, |k| {
                    if let Some(e) = self.probe(k) {
                        let list = &self.cands[e.from as usize..(e.from + e.len) as usize];
                        s.found.extend_from_slice(list);
                    }
                });
            }
            if s.found.is_empty() {
                continue;
            }
            s.found.sort_unstable();
            s.found.dedup();
            for fi in 0..s.found.len() {
                let id = s.found[fi] as usize;
                let kw = &self.words[id];
                if !within_one(w, kw) || (dict_word && !doubling(w, kw)) {
                    continue;
                }
                for u in &self.uses[id] {
                    if exact.binary_search(&u.pattern).is_ok() {
                        continue;
                    }
                    if let Some((from, to)) = self.phrase_at(u, wi, matching, &s.spans) {
                        s.hits.push(FuzzyHit {
                            pattern: u.pattern,
                            from,
                            to,
                        });
                    }
                }
            }
        }
        s.hits.sort_unstable();
        s.hits.dedup_by_key(|h| h.pattern);
    }

    /// When message word `wi` is word `u.pos` of `u`'s pattern at one edit: whether the
    /// message words around it are the pattern's other words, and their span.
    fn phrase_at(
        &self,
        u: &WordUse,
        wi: usize,
        matching: &str,
        spans: &[(u32, u32)],
    ) -> Option<(u32, u32)> {
        let pos = usize::from(u.pos);
        let len = usize::from(u.len);
        let first = wi.checked_sub(pos)?;
        if first + len > spans.len() {
            return None;
        }
        if len > 1 {
            let phrase = self.phrases.get(&u.pattern)?;
            for (j, kw) in phrase.words.iter().enumerate() {
                if j == pos {
                    continue;
                }
                let (from, to) = spans[first + j];
                let word = &matching[from as usize..to as usize];
                let mut chars = [0u32; MAX_WORD + 2];
                let mut n = 0;
                for c in word.chars() {
                    if n == chars.len() {
                        return None;
                    }
                    chars[n] = u32::from(c);
                    n += 1;
                }
                let w = &chars[..n];
                let stem = phrase.prefix && j + 1 == len;
                let fits = w == &kw[..]
                    || (stem && w.starts_with(kw))
                    || (phrase.eligible[j] && within_one(w, kw));
                if !fits {
                    return None;
                }
            }
        }
        Some((spans[first].0, spans[first + len - 1].1))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cp(s: &str) -> Vec<u32> {
        s.chars().map(u32::from).collect()
    }

    #[test]
    fn one_edit_of_each_kind() {
        let one = |a: &str, b: &str| within_one(&cp(a), &cp(b));
        assert!(one("cancel", "cancel"));
        assert!(one("cancel", "cancle")); // adjacent swap
        assert!(one("refund", "refind")); // substitution
        assert!(one("refund", "refnd")); // deletion
        assert!(one("refund", "refunnd")); // insertion
        assert!(one("refund", "xefund") && one("refund", "refunx"));
        assert!(one("order", "orders") && one("orders", "order"));
        assert!(!one("refund", "refuse")); // two substitutions
        assert!(one("cancel", "clancel"));
        assert!(!one("cancel", "cnacle")); // two swaps
        assert!(!one("cancel", "acncle"));
        assert!(!one("refund", "refundss"));
        assert!(!one("abcdef", "badcfe"));
    }

    #[test]
    fn doubled_letters() {
        let d = |a: &str, b: &str| doubling(&cp(a), &cp(b));
        assert!(d("canceled", "cancelled") && d("cancelled", "canceled"));
        assert!(d("adress", "address") && d("sucess", "success"));
        assert!(d("too", "to") && d("tooo", "too"));
        assert!(!d("cancel", "cancels") && !d("reach", "breach") && !d("cancel", "cancel"));
        assert!(!d("cancel", "cancle"));
    }

    #[test]
    fn the_deletion_hashes_are_the_hashes_of_the_deletions() {
        let w = cp("cancel");
        let mut got = Vec::new();
        for_each_key(&w, |k| got.push(k));
        let mut want = vec![hash(&w)];
        for i in 0..w.len() {
            let mut d = w.clone();
            d.remove(i);
            want.push(hash(&d));
        }
        assert_eq!(got, want);
    }

    fn index(patterns: &[(&str, bool)]) -> FuzzyIndex {
        FuzzyIndex::build(patterns.iter().enumerate().map(|(i, (p, fuzzy))| Source {
            pattern: p,
            id: i as u32,
            fuzzy: *fuzzy,
            guard: true,
        }))
    }

    fn hits(ix: &FuzzyIndex, text: &str) -> Vec<(u32, String)> {
        let m = crate::normalize::Normalized::new(text).matching;
        let mut s = FuzzyScratch::default();
        ix.search(&m, &[], &mut s);
        s.hits
            .iter()
            .map(|h| (h.pattern, m[h.from as usize..h.to as usize].to_string()))
            .collect()
    }

    #[test]
    fn every_single_edit_is_found() {
        // Also proves the pair filter sound on these words: no edit is filtered out.
        for kw in ["cancel", "refund", "abcde", "zyxwvutsrq"] {
            let ix = index(&[(&format!(" {kw} "), true)]);
            let k: Vec<char> = kw.chars().collect();
            let mut variants = Vec::new();
            for i in 0..=k.len() {
                for c in 'a'..='z' {
                    let mut v = k.clone();
                    v.insert(i, c);
                    variants.push(v);
                    if i < k.len() {
                        let mut v = k.clone();
                        v[i] = c;
                        variants.push(v);
                    }
                }
                if i < k.len() {
                    let mut v = k.clone();
                    v.remove(i);
                    variants.push(v);
                }
                if i + 1 < k.len() {
                    let mut v = k.clone();
                    v.swap(i, i + 1);
                    variants.push(v);
                }
            }
            for v in variants {
                let v: String = v.into_iter().collect();
                let english = ENGLISH_WORDS.lines().any(|w| w == v);
                if v == kw || (english && !doubling(&cp(&v), &cp(kw))) {
                    continue;
                }
                assert_eq!(hits(&ix, &v), vec![(0, v.clone())], "{kw} / {v}");
            }
        }
    }

    #[test]
    fn words_phrases_and_stems() {
        let ix = index(&[
            (" cancel ", true),
            (" money back ", true),
            (" refund", true),
            (" card ", true),
            (" older ", false),
        ]);
        assert_eq!(hits(&ix, "pls cancle it"), vec![(0, "cancle".into())]);
        assert_eq!(
            hits(&ix, "I want my mony back"),
            vec![(1, "mony back".into())]
        );
        assert_eq!(hits(&ix, "I want my mony bak"), vec![]);
        assert_eq!(hits(&ix, "a refnd please"), vec![(2, "refnd".into())]);
        // A 4-letter keyword does not fuzz; an exact word of the pack is not fuzzed.
        assert_eq!(hits(&ix, "my crad"), vec![]);
        assert_eq!(hits(&ix, "an older cancel"), vec![]);
        assert!(index(&[(" 退款 ", true)]).is_empty());
        // English words are spelled right: not typos, but for a doubled letter.
        let ix = index(&[(" breach", true), (" cancelled ", true), (" loving ", true)]);
        assert_eq!(hits(&ix, "reach us, living here"), vec![]);
        assert_eq!(hits(&ix, "it was canceled"), vec![(1, "canceled".into())]);
        assert_eq!(hits(&ix, "a braech"), vec![(0, "braech".into())]);
        assert!(index(&[(" cancel ", false)]).is_empty());
    }
}
