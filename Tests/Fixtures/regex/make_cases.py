"""What Python's re says of each (pattern, text): whether re.match's match is the whole text (CTFd's
test for regex flags) and whether re.search finds anything. LinearRegexTests compares LinearRegex with
this table. Regenerate: python3 Tests/Fixtures/regex/make_cases.py Tests/Fixtures/regex/python-re-cases.json
(patterns that backtrack exponentially are only run on short texts: that is what LinearRegex is for).
Not in the table: a repeated group that can match nothing, such as (|a)+, where Python stops repeating
after an empty round and LinearRegex, like RE2, may go on: the one known difference."""
import re, json, itertools
patterns = [
 r"RAMPART\{[a-z0-9_]+\}", r"RAMPART\{(a+)+\}", r"a|ab", r"ab|a", r"a+?", r"a*?b", r"(a|b)*c", r"flag\{\d{3,5}\}",
 r"^abc$", r"abc$", r"\bword\b", r"x{2}y{,2}z{1,}", r"[^a-c]+", r"[\w-]+", r"(?i)rampart\{X\}", r"\s*\S+\s*",
 r"(a*)*b", r"(a|aa)+$", r"a{1000}", r"[a-]z", r"[]a]+", r"\x41\u0042", r"(?P<x>ab)c", r"(?:ab)+", r"a.c", r"(?s)a.c",
 r"é+", r"[가-힣]+", r"\d+", r"\w+", r"(ab|a)(bc|c)", r"(a?){3}a{3}", r"RAMPART{abc}", r"x{,}", r"x{a}", r"\.\*", r"colou?r",
 r"(?i)[a-f]+", r"\Aab\Z", r"a\B", r"((a))", r"a||b", r"[\d\s]+",
]
inputs = ["", "a", "ab", "abc", "aab", "aaab", "b", "c", "RAMPART{abc_1}", "RAMPART{aaaa}", "RAMPART{aaaaaaaaaaaaaaaaaaaaaaaaaa!}",
 "flag{123}", "flag{123456}", "abc\n", "word", "a word here", "xxz", "xxyyz", "xxyyyz", "def", "a-b-c", "RAMPART{x}", "rampart{X}",
 "  token  ", "aaaa", "aaaaaa", "a"*40, "-z", "z", "]]a", "AB", "abcabc", "abab", "a\nc", "abc", "éé", "한국어", "123", "٣٤", "_x1",
 "abc", "abcc", "aaa", "RAMPART{abc}", "x{,}", "x{a}", ".*", "color", "colour", "FaCe", "a b", "ab\n", "aa", "1 2 3", "\u00e9"]
cases = []
slow = {r"RAMPART\{(a+)+\}", r"(a*)*b", r"(a|aa)+$"}
for p in patterns:
    r = re.compile(p)
    for s in inputs:
        if p in slow and len(s) > 30: continue
        m = r.match(s)
        whole = bool(m) and m.group() == s
        anywhere = r.search(s) is not None
        cases.append([p, s, whole, anywhere])
import sys
json.dump(cases, open(sys.argv[1], "w"), ensure_ascii=False, indent=0)
