#!/usr/bin/python3
"""Collect the kompress corpus: Debian files plus real command output, split by source.

Called by build_corpus.sh after apt and apt-get source. Writes
  WORK/corpus/{train,valid,test}.jsonl  one document a line:
      {"id", "kind", "sub", "source", "split", "text"}
  WORK/manifest.json                    package versions, caps, per-kind/split sizes
Kinds: prose, code, log, json, listing, diff ("sub" says which generator).

Determinism: files come from `dpkg -L` of fixed package lists; every candidate list is
ordered by sha1 of its name and taken until a fixed byte cap; commands run with LC_ALL,
TZ and COLUMNS fixed. What varies between machines is documented in docs/training.md
(timestamps in ls/tar output, /var/log contents, lscpu/ip output, node version).
"""
import argparse
import collections
import concurrent.futures
import gzip
import hashlib
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

DOC_CHARS = 64 * 1024      # a longer source is cut into parts at line boundaries ...
MAX_PARTS = 16             # ... and at most this many parts are kept
MIN_WORDS = 10             # shorter outputs are dropped (the engine passes them through)
MB = 1 << 20

ENV = dict(os.environ, LC_ALL="C.UTF-8", LANG="C.UTF-8", TZ="UTC", COLUMNS="100",
           TERM="dumb", MANWIDTH="100", MAN_DISABLE_SECCOMP="1", PAGER="cat",
           GIT_PAGER="cat", PYTHONDONTWRITEBYTECODE="1", NO_COLOR="1",
           GIT_AUTHOR_NAME="Debian Maintainers", GIT_AUTHOR_EMAIL="debian@example.org",
           GIT_COMMITTER_NAME="kompress corpus", GIT_COMMITTER_EMAIL="corpus@example.org",
           GIT_CONFIG_NOSYSTEM="1", GIT_CONFIG_GLOBAL="/dev/null")

MAN_PKGS = """manpages manpages-dev coreutils util-linux findutils grep sed tar gzip bash git
gcc-12 cpp-12 binutils make dpkg dpkg-dev apt man-db procps iproute2 openssh-client curl
wget python3.11 perl jq xz-utils bzip2 diffutils patch libc-bin passwd login mount
e2fsprogs rsync less debianutils systemd sudo gnupg ncurses-bin""".split()
TOOL_PKGS = """coreutils findutils grep git gcc-12 g++-12 python3.11 python3-pytest jq
util-linux iproute2 man-db groff-base bsdextrautils diffutils tar dpkg apt patch""".split()


def sha(s):
    return hashlib.sha1(s.encode()).hexdigest()


def split_of(source):
    h = int(sha(source)[:8], 16) % 100
    return "test" if h < 5 else "valid" if h < 10 else "train"


def by_hash(items, key=str):
    return sorted(items, key=lambda x: sha(key(x)))


def run(cmd, cwd=None, timeout=120, max_lines=None):
    """Run a shell command, stdout+stderr merged as an agent sees them."""
    try:
        p = subprocess.run(cmd, shell=True, cwd=cwd, env=ENV, timeout=timeout,
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           stdin=subprocess.DEVNULL)
        out = p.stdout
    except subprocess.TimeoutExpired as e:
        out = (e.stdout or b"") + b"\n[timed out]\n"
    text = out.decode("utf-8", "replace")
    if max_lines:
        text = "\n".join(text.split("\n")[:max_lines])
    return text


def read_text(path):
    path = str(path)
    try:
        data = gzip.open(path).read() if path.endswith(".gz") else open(path, "rb").read()
    except (OSError, EOFError):
        return None
    if b"\0" in data[:8192]:
        return None
    return data.decode("utf-8", "replace")


def dpkg_files(pkg):
    out = subprocess.run(["dpkg", "-L", pkg], capture_output=True, text=True, env=ENV)
    return [f for f in out.stdout.split("\n") if f and os.path.isfile(f)]


def installed(pkgs):
    out = subprocess.run(["dpkg-query", "-W", "-f", "${Package}\t${Version}\t${Status}\n"]
                         + list(pkgs), capture_output=True, text=True, env=ENV)
    res = {}
    for line in out.stdout.splitlines():
        name, ver, status = line.split("\t")
        if status.endswith(" installed"):
            res[name] = ver
    return res


class Corpus:
    def __init__(self):
        self.docs = []
        self.sources = set()
        self.packages = set()
        self.group_bytes = collections.Counter()
        self.caps = {}

    def full(self, group):
        return self.group_bytes[group] >= self.caps.get(group, 1 << 62)

    def add(self, group, kind, source, text, cap=None):
        """Add one source (cut into parts). Returns False once the group's cap is reached."""
        if cap is not None:
            self.caps[group] = cap
        if self.full(group):
            return False
        if text is None or source in self.sources:
            return True
        text = text.replace("\r\n", "\n").replace("\0", "")
        text = "\n".join(line.rstrip() for line in text.split("\n")).strip("\n")
        if len(text.split()) < MIN_WORDS:
            return True
        self.sources.add(source)
        parts, cur, n = [], [], 0
        for line in text.split("\n"):
            if n + len(line) + 1 > DOC_CHARS and cur:
                parts.append("\n".join(cur))
                cur, n = [], 0
            cur.append(line[:DOC_CHARS])
            n += len(line) + 1
        parts.append("\n".join(cur))
        split = split_of(source)
        for i, part in enumerate(parts[:MAX_PARTS]):
            if len(part.split()) < MIN_WORDS:
                continue
            doc_id = f"{group}/{sha(source)[:12]}" + (f"-{i}" if len(parts) > 1 else "")
            self.docs.append({"id": doc_id, "kind": kind, "sub": group, "source": source,
                              "split": split, "text": part})
            self.group_bytes[group] += len(part.encode())
        return not self.full(group)


def add_files(c, group, kind, files, cap, transform=None):
    for f in by_hash(files):
        text = read_text(f)
        if text is not None and transform:
            text = transform(text)
        if not c.add(group, kind, f, text, cap):
            break


def pkg_files(c, pkgs, pattern):
    rx = re.compile(pattern)
    files = []
    for p in pkgs:
        fs = [f for f in dpkg_files(p) if rx.search(f)]
        if fs:
            c.packages.add(p)
            files += fs
    return sorted(set(files))


# ---------------------------------------------------------------- prose

def prose(c):
    docs = pkg_files(c, ["linux-doc-6.1"], r"/Documentation/.*\.(rst|txt)(\.gz)?$")
    docs = [f for f in docs if "/translations/" not in f]
    add_files(c, "linux-doc", "prose", docs, 45 * MB)
    add_files(c, "python-doc", "prose",
              pkg_files(c, ["python3.11-doc"], r"/_sources/.*\.txt$"), 15 * MB)
    inst = installed(MAN_PKGS)
    pages = pkg_files(c, sorted(inst), r"^/usr/share/man/man[1-8]/[^/]+\.gz$")
    pages = by_hash(pages)[:2500]

    def render(page):
        return page, run(f"man --nh --nj -l {page} 2>/dev/null | col -bx", timeout=60)
    with concurrent.futures.ThreadPoolExecutor(2) as ex:
        for page, text in ex.map(render, pages):
            if not c.add("man", "prose", "man:" + page, text, 20 * MB):
                break
    add_files(c, "doc-readme", "prose",
              [f for f in pkg_files(c, sorted(inst) + ["python3.11-doc", "iso-codes"],
                                    r"^/usr/share/doc/[^/]+/(README|NEWS)[^/]*$")], 3 * MB)


# ---------------------------------------------------------------- code

CODE_EXT = r"\.(c|h|cc|cpp|hpp|lua|py|sh|am|ac|m4|in|mk|pl|pm|cmake|yaml|mak|js|1)$"


def code(c, src):
    files = []
    for tree in src:
        files += [str(p) for p in tree.rglob("*") if p.is_file() and (
            re.search(CODE_EXT, p.name) or p.name in ("Makefile", "GNUmakefile", "rules", "control"))]
    add_files(c, "src-pkg", "code", sorted(files), 12 * MB)
    headers = pkg_files(c, ["libc6-dev", "linux-libc-dev", "libstdc++-12-dev",
                            "libpython3.11-dev", "zlib1g-dev"], r"^/usr/include/")
    add_files(c, "include", "code", headers, 20 * MB)
    add_files(c, "py-stdlib", "code",
              pkg_files(c, ["libpython3.11-stdlib", "libpython3.11-minimal", "python3-pytest",
                            "python3-pluggy", "python3-iniconfig"], r"\.py$"), 22 * MB)
    add_files(c, "py-tests", "code",
              pkg_files(c, ["libpython3.11-testsuite"], r"\.py$"), 8 * MB)
    add_files(c, "perl", "code", pkg_files(c, ["perl-modules-5.36"], r"\.pm$"), 4 * MB)
    add_files(c, "cmake", "code", pkg_files(c, ["cmake-data"], r"\.cmake$"), 3 * MB)
    add_files(c, "dt-yaml", "code",
              pkg_files(c, ["linux-doc-6.1"], r"/devicetree/.*\.yaml(\.gz)?$"), 3 * MB)


# ---------------------------------------------------------------- listings

GREP_WORDS = ["TODO", "FIXME", "malloc", r"free(", "EINVAL", "errno", "static int", "return -1",
              "assert", "def test_", "import os", "raise ValueError", r"self\.assert",
              "class .*Error", "struct inode", "#include <linux", "define MAX", "lua_State",
              "z_stream", "deprecated", "Copyright", "warning", ".. note::", ":param",
              "SPDX-License-Identifier"]


def listings(c, src):
    trees = [str(t) for t in src] + ["/usr/include", "/usr/lib/python3.11",
                                     "/usr/share/doc/linux-doc-6.1/Documentation",
                                     "/usr/share/doc/python3.11/html", "/usr/share/iso-codes"]
    dirs = []
    for t in trees:
        dirs += [t] + [str(p) for p in Path(t).rglob("*") if p.is_dir()]
    dirs = sorted(set(dirs))
    G, CAP = "listing", 12 * MB
    for i, d in enumerate(by_hash(dirs)[:900]):
        flags = ["-la", "-lah", "-l", "-1", "-laR", "-lt"][i % 6]
        if not c.add(G, "listing", f"cmd:ls {flags} {d}", run(f"ls {flags} {d}", max_lines=300), CAP):
            return
    for i, d in enumerate(by_hash(dirs, lambda x: "find" + x)[:250]):
        cmd = [f"find {d} -type f", f"find {d} -maxdepth 2", f"find {d} -name '*.h' -o -name '*.py'",
               f"find {d} -type f -size +8k", f"du -ah --max-depth=2 {d}"][i % 5]
        c.add(G, "listing", "cmd:" + cmd, run(cmd + " | sort", max_lines=300))
    for i, w in enumerate(GREP_WORDS):
        for t in [t for t in trees if "linux-doc" not in t]:  # linux-doc files are gzipped
            flags = ["-rn", "-rn", "-rni", "-rl", "-rnw", "-rc"][(i + len(t)) % 6]
            cmd = f"grep {flags} -- {shlex.quote(w)} {t}"
            c.add(G, "listing", "cmd:" + cmd, run(cmd + " | sort | head -n 250"))
    for p in sorted(c.packages)[:40]:
        for cmd in [f"dpkg -L {p}", f"apt-cache show {p}", f"apt-cache policy {p}",
                    f"apt-cache depends {p}", f"dpkg -s {p}"]:
            c.add(G, "listing", "cmd:" + cmd, run(cmd, max_lines=300))
    for tb in sorted(Path(src[0]).parent.parent.glob("*/*.orig.tar.*")):
        c.add(G, "listing", f"cmd:tar tvf {tb.name}", run(f"tar tvf {tb}", max_lines=400))
    c.add(G, "listing", "cmd:dpkg -l", run("dpkg -l", max_lines=2000))


# ---------------------------------------------------------------- logs: build, tests, traces

WARN = "-Wall -Wextra -Wpedantic -Wshadow -Wconversion -Wcast-qual -Wstrict-prototypes"


def build_logs(c, src, work):
    G = "build"
    build = work / "build"
    shutil.rmtree(build, ignore_errors=True)
    build.mkdir()
    hello = next((t for t in src if t.name.startswith("hello-")), None)
    if hello:
        h = build / "hello"
        shutil.copytree(hello, h, symlinks=True)
        c.add(G, "log", "cmd:hello ./configure", run("./configure CFLAGS='-O2 -Wall -Wextra'", h, 300))
        c.add(G, "log", "file:hello config.log", read_text(h / "config.log"))
        c.add(G, "log", "cmd:hello make", run("make -j2 V=1", h, 600))
        c.add(G, "log", "cmd:hello make check", run("make check", h, 600))
        c.add(G, "log", "file:hello test-suite.log", read_text(h / "test-suite.log"))
    cfiles = sorted(str(f) for t in src for f in t.rglob("*.c") if "/debian/" not in str(f))
    jobs = []
    for f in cfiles:
        inc = f"-I{os.path.dirname(f)}"
        jobs.append(("gcc-warn", "log", f"gcc -c -std=c99 {WARN} {inc} -o /dev/null {f}"))
    for f in by_hash(cfiles)[:60]:
        jobs.append(("gcc-json", "json", f"gcc -c {WARN} -fdiagnostics-format=json "
                                         f"-I{os.path.dirname(f)} -o /dev/null {f}"))
    for f in by_hash(cfiles, lambda x: "c++" + x)[:60]:
        jobs.append(("gxx-error", "log", f"g++ -x c++ -fsyntax-only -Wall -I{os.path.dirname(f)} {f}"))
    for f in by_hash(cfiles, lambda x: "nostdinc" + x)[:25]:
        jobs.append(("gcc-error", "log", f"gcc -nostdinc -fsyntax-only {f}"))
    with concurrent.futures.ThreadPoolExecutor(2) as ex:
        outs = ex.map(lambda j: run(j[2], timeout=120, max_lines=600), jobs)
        for (group, kind, cmd), out in zip(jobs, outs):
            c.add(group, kind, "cmd:" + cmd, out, 6 * MB)


PYTESTS = """test_json test_csv test_textwrap test_shlex test_difflib test_fnmatch test_glob
test_heapq test_bisect test_calendar test_configparser test_argparse test_string test_base64
test_statistics test_ipaddress test_tomllib test_urlparse test_pathlib test_enum
test_dataclasses test_functools test_re test_fractions test_tempfile test_shutil
test_http_cookies test_pprint test_operator test_keyword""".split()


def test_logs(c, work):
    tdir = "/usr/lib/python3.11/test"
    tmp = work / "build" / "pytest"
    tmp.mkdir(parents=True, exist_ok=True)
    for i, t in enumerate(PYTESTS):
        path = f"{tdir}/{t}" if os.path.isdir(f"{tdir}/{t}") else f"{tdir}/{t}.py"
        if not os.path.exists(path):
            continue
        if i % 3 == 2:
            cmd = f"/usr/bin/python3 -m unittest -v test.{t}"
        else:
            tb = ["short", "long", "line"][i % 3]
            cmd = f"/usr/bin/python3 -m pytest -p no:cacheprovider -v --tb={tb} -x {path}"
        c.add("tests", "log", "cmd:" + cmd, run(cmd, tmp, timeout=90, max_lines=1500), 8 * MB)


TRACES = [
    ("import json,sys; json.load(open(sys.argv[1]))", r"\.(c|py|rst\.txt)$"),
    ("import tomllib,sys; tomllib.load(open(sys.argv[1],'rb'))", r"\.(py|h)$"),
    ("import xml.etree.ElementTree as E,sys; E.parse(sys.argv[1])", r"\.(c|txt|py)$"),
    ("import ast,sys; ast.parse(open(sys.argv[1]).read(), sys.argv[1])", r"\.(c|h|lua)$"),
    ("import configparser,sys; configparser.ConfigParser().read(sys.argv[1])", r"\.(py|c)$"),
    ("import shlex,sys; shlex.split(open(sys.argv[1]).read())", r"\.(c|py)$"),
    ("import zipfile,sys; zipfile.ZipFile(sys.argv[1])", r"\.(py|c)$"),
    ("import tarfile,sys; tarfile.open(sys.argv[1])", r"\.(txt|h)$"),
    ("import gzip,sys; gzip.open(sys.argv[1]).read()", r"\.(py|c)$"),
    ("import sqlite3,sys; sqlite3.connect(sys.argv[1]).execute('select 1')", r"\.(txt|py)$"),
    ("import plistlib,sys; plistlib.load(open(sys.argv[1],'rb'))", r"\.(py|h)$"),
    ("import pickle,sys; pickle.load(open(sys.argv[1],'rb'))", r"\.(py|txt)$"),
    ("import csv,sys; [int(r[0]) for r in csv.reader(open(sys.argv[1])) if r]", r"\.(py|c)$"),
    ("import runpy,sys; runpy.run_path(sys.argv[1])", r"\.(lua|c|txt)$"),
    ("import importlib,sys; importlib.import_module(sys.argv[1].rsplit('/',1)[-1])", r"\.py$"),
]


def trace_logs(c):
    G = "traceback"
    pool = sorted(set(pkg_files(c, ["libpython3.11-stdlib", "python3.11-doc", "libc6-dev"],
                                r"\.(py|c|h|txt)$")))
    for i, (code, rx) in enumerate(TRACES):
        cands = [f for f in pool if re.search(rx, f)]
        for f in by_hash(cands, lambda x: code + x)[:25]:
            cmd = f"/usr/bin/python3 -c \"{code}\" {f}"
            out = run(cmd, timeout=30, max_lines=200)
            if "Traceback" in out or "Error" in out:
                c.add(G, "log", "cmd:" + cmd, out, 4 * MB)
    if shutil.which("node"):
        for f in by_hash(pool, lambda x: "node" + x)[:60]:
            js = ["JSON.parse(require('fs').readFileSync(process.argv[1],'utf8'))",
                  "require(process.argv[1])",
                  "new Function(require('fs').readFileSync(process.argv[1],'utf8'))"]
            cmd = f"node -e \"{js[len(f) % 3]}\" {f}"
            c.add(G, "log", "cmd:" + cmd, run(cmd, timeout=30, max_lines=200), 4 * MB)


def system_logs(c, work):
    G = "syslog"
    for f in sorted((work / "raw").glob("*.log")):
        c.add(G, "log", "file:raw/" + f.name, read_text(f), 6 * MB)
    for f in ["/var/log/dpkg.log", "/var/log/apt/history.log", "/var/log/apt/term.log",
              "/var/log/alternatives.log"]:
        c.add(G, "log", "file:" + f, read_text(f))
    changelogs = pkg_files(c, sorted(installed(MAN_PKGS + TOOL_PKGS)),
                           r"^/usr/share/doc/[^/]+/changelog(\.Debian)?\.gz$")
    add_files(c, "changelog", "log", changelogs, 4 * MB)


# ---------------------------------------------------------------- json

JQ = [".[] | length", ".\"3166-1\"[] | select(.alpha_2 | startswith(\"A\"))",
      ".\"3166-1\" | map({code: .alpha_3, name}) | .[:60]", "keys", ".[] | .[:40]",
      "-c '.[] | .[] | select(.name | test(\"ia$\"))'", ".[] | map(.name) | sort | .[:80]",
      "'[paths(scalars)] | .[:120]'", ". | to_entries | map({key, n: (.value|length)})"]


def json_docs(c, work):
    files = pkg_files(c, ["iso-codes", "cmake-data"], r"\.json$")
    add_files(c, "json-files", "json", files, 6 * MB)
    for i, f in enumerate(by_hash([f for f in files if "iso_" in f])[:12]):
        q = JQ[i % len(JQ)]
        q = q if q.startswith(("-c", "'")) else f"'{q}'"
        cmd = f"jq {q} {f}"
        c.add("jq", "json", "cmd:" + cmd, run(cmd, max_lines=800), 3 * MB)
    for f in by_hash(files)[:8]:
        cmd = f"jq -c . {f} | /usr/bin/python3 -m json.tool --indent 2"
        c.add("jq", "json", "cmd:" + cmd, run(cmd, max_lines=600))
    for cmd in ["lscpu -J", "lsblk -J -O", "findmnt -J", "lsmem -J", "ip -j -d addr", "ip -j route",
                "ip -j -s link", "lsipc -J", "lslocks -J",
                "/usr/bin/python3 -c 'import json,sysconfig;print(json.dumps(sysconfig.get_config_vars(),indent=2,sort_keys=True,default=str))'",
                "/usr/bin/python3 -c 'import json,sys;print(json.dumps({\"path\":sys.path,\"flags\":str(sys.flags),\"modules\":sorted(sys.builtin_module_names)},indent=2))'",
                "dpkg-query -W -f='${Package}\\t${Version}\\t${Installed-Size}\\n' | jq -R -s 'split(\"\\n\") | map(select(length>0) | split(\"\\t\") | {package: .[0], version: .[1], size_kb: (.[2]|tonumber? // null)})'",
                "node -p 'JSON.stringify(process.versions, null, 2)'",
                "node -p 'JSON.stringify(process.config, null, 2)'"]:
        c.add("tool-json", "json", "cmd:" + cmd, run(cmd, max_lines=2000), 3 * MB)


# ---------------------------------------------------------------- diffs and git

def git(cmd, repo, **kw):
    return run("git " + cmd, repo, **kw)


def git_history(c, srcdir, work):
    """Per source package: upstream tarball as the first commit, then each Debian patch
    of debian/patches/series as one commit (author and date from its DEP-3 header)."""
    G = "git"
    root = work / "build" / "git"
    shutil.rmtree(root, ignore_errors=True)
    root.mkdir(parents=True)
    for pkgdir in sorted(srcdir.iterdir()):
        trees = [t for t in sorted(pkgdir.iterdir()) if t.is_dir()]
        origs = sorted(pkgdir.glob("*.orig.tar.*"))
        if not trees or not origs:
            continue
        tree, repo = trees[0], root / pkgdir.name
        repo.mkdir()
        run(f"tar xf {origs[0]} --strip-components=1 -C {repo}")
        git("init -q -b main && git add -A && GIT_AUTHOR_DATE='2020-01-01T00:00:00Z' "
            f"GIT_COMMITTER_DATE='2020-01-01T00:00:00Z' git commit -q -m 'Import upstream {origs[0].name}'", repo)
        series = tree / "debian" / "patches" / "series"
        patches = [l.split()[0] for l in (series.read_text().splitlines() if series.exists() else [])
                   if l.strip() and not l.startswith("#")]
        for n, name in enumerate(patches):
            pf = tree / "debian" / "patches" / name
            text = read_text(pf) or ""
            c.add("patches", "diff", f"file:{pkgdir.name}/debian/patches/{name}", text, 4 * MB)
            head = text.split("\n---")[0] if "\n---" in text else text[:2000]
            author = re.search(r"^(?:Author|From):\s*(.+?)\s*<([^>]+)>", head, re.M)
            subject = re.search(r"^(?:Subject|Description):\s*(.+)$", head, re.M)
            date = f"2020-01-{n % 28 + 2:02d}T12:00:00Z"
            env = f"GIT_AUTHOR_DATE='{date}' GIT_COMMITTER_DATE='{date}' "
            if author:
                env += f"GIT_AUTHOR_NAME={json.dumps(author.group(1))} GIT_AUTHOR_EMAIL={json.dumps(author.group(2))} "
            msg = (subject.group(1) if subject else name).replace("'", "")
            out = run(f"git apply --whitespace=nowarn {pf} 2>&1 || patch -p1 -s < {pf}", repo)
            git(f"add -A && {env}git commit -q --allow-empty -m '{msg}' -m 'Debian patch {name}'", repo)
            if out.strip():
                c.add("git", "log", f"cmd:git apply {pkgdir.name}/{name}", out)
        shutil.copytree(tree / "debian", repo / "debian", symlinks=True)
        git("add -A && GIT_AUTHOR_DATE='2020-02-01T00:00:00Z' GIT_COMMITTER_DATE='2020-02-01T00:00:00Z' "
            "git commit -q -m 'Add Debian packaging'", repo)
        p = pkgdir.name
        for cmd, kind in [("log", "log"), ("log --stat", "log"), ("log --oneline --graph --all", "log"),
                          ("log -p -n 4", "diff"), ("diff HEAD~1 --stat", "diff"),
                          ("show HEAD~1", "diff"), ("diff HEAD~3..HEAD -- . ':!debian'", "diff"),
                          ("format-patch --stdout -2 HEAD~1", "diff"), ("shortlog -sn", "log")]:
            c.add(G, kind, f"cmd:{p}:git {cmd}", git(cmd, repo, max_lines=1500), 5 * MB)
        revs = git("rev-list HEAD", repo).split()
        for r in revs[1:-1]:
            c.add(G, "diff", f"cmd:{p}:git show {r[:12]}", git(f"show {r}", repo, max_lines=1500))
        changed = git("log --format= --name-only HEAD~1", repo).split()
        for f in sorted(set(changed))[:3]:
            c.add(G, "listing", f"cmd:{p}:git blame {f}", git(f"blame {f}", repo, max_lines=400))
        # An uncommitted edit, as an agent sees it: git status + git diff.
        cfiles = sorted(repo.rglob("*.c"))
        if cfiles:
            f = cfiles[len(cfiles) // 2]
            lines = f.read_text(errors="replace").split("\n")
            f.write_text("\n".join(l.replace("int ", "long ", 1) if i % 17 == 3 else l
                                   for i, l in enumerate(lines)))
            c.add(G, "diff", f"cmd:{p}:git diff (edit)", git("diff", repo, max_lines=600))
            c.add(G, "listing", f"cmd:{p}:git status", git("status", repo))


def diffs(c, src):
    lua = {t.name.split("-")[0]: t for t in src if t.name.startswith("lua5.")}
    if "lua5.3" in lua and "lua5.4" in lua:
        a, b = lua["lua5.3"] / "src", lua["lua5.4"] / "src"
        for f in sorted(set(p.name for p in a.iterdir()) & set(p.name for p in b.iterdir())):
            cmd = f"diff -u {a / f} {b / f}"
            c.add("diff-u", "diff", "cmd:" + cmd, run(cmd, max_lines=1200), 4 * MB)
        c.add("diff-u", "diff", "cmd:diff -rq lua", run(f"diff -rq {a.parent} {b.parent}"))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--work", required=True)
    ap.add_argument("--packages", nargs="*", default=[])
    args = ap.parse_args()
    work = Path(args.work)
    srcdir = work / "src"
    src = sorted(t for p in sorted(srcdir.iterdir()) for t in p.iterdir() if t.is_dir())
    c = Corpus()
    steps = [("prose", lambda: prose(c)), ("code", lambda: code(c, src)),
             ("listings", lambda: listings(c, src)), ("build", lambda: build_logs(c, src, work)),
             ("tests", lambda: test_logs(c, work)), ("traces", lambda: trace_logs(c)),
             ("syslogs", lambda: system_logs(c, work)), ("json", lambda: json_docs(c, work)),
             ("git", lambda: git_history(c, srcdir, work)), ("diffs", lambda: diffs(c, src))]
    only = os.environ.get("KOMPRESS_CORPUS_STEPS")
    for name, fn in steps:
        if only and name not in only.split(","):
            continue
        n0 = len(c.docs)
        fn()
        print(f"[corpus] {name}: {len(c.docs) - n0} docs", file=sys.stderr, flush=True)

    out = work / "corpus"
    out.mkdir(exist_ok=True)
    c.docs.sort(key=lambda d: d["id"])
    stats = collections.defaultdict(lambda: {"docs": 0, "bytes": 0, "words": 0})
    files = {s: open(out / f"{s}.jsonl", "w") for s in ("train", "valid", "test")}
    for d in c.docs:
        files[d["split"]].write(json.dumps(d, ensure_ascii=False) + "\n")
        for key in (f"{d['kind']}/{d['split']}", f"{d['kind']}/all", f"all/{d['split']}", "all/all"):
            st = stats[key]
            st["docs"] += 1
            st["bytes"] += len(d["text"].encode())
            st["words"] += len(d["text"].split())
    for f in files.values():
        f.close()
    versions = installed(sorted(c.packages | set(TOOL_PKGS) | set(args.packages)))
    src_versions = {}
    for dsc in sorted(srcdir.glob("*/*.dsc")):
        m = re.search(r"^Version:\s*(\S+)", dsc.read_text(errors="replace"), re.M)
        src_versions[dsc.parent.name] = m.group(1) if m else None
    node = run("node --version").strip() if shutil.which("node") else None
    manifest = {"packages": versions, "source_packages": src_versions,
                "non_debian_tools": {"node": node},
                "group_bytes": dict(sorted(c.group_bytes.items())), "group_caps": c.caps,
                "doc_chars": DOC_CHARS, "max_parts": MAX_PARTS, "min_words": MIN_WORDS,
                "split_rule": "sha1(source)[:8] % 100: <5 test, <10 valid, else train",
                "stats": dict(sorted(stats.items()))}
    (work / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
    for k, v in sorted(stats.items()):
        print(f"{k:16s} docs {v['docs']:7d}  {v['bytes'] / MB:8.1f} MB  words {v['words']:10d}")


if __name__ == "__main__":
    main()
