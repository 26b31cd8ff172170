#!/usr/bin/python3
"""The delivery benchmark: messages per second to a local Postfix, and duplicates after
random `kill -9` of the worker.

    cargo build --release && python3 benches/mail.py [--kills 10]

Starts a private Postfix (tests/postfix.sh, as root; scripts/test installs Postfix),
STARTTLS with its test CA. For 200 and 2,000 mailboxes: a fresh database, one document
to that many communes, queued with `vanthu send --no-wait`; then `vanthu worker
--until-idle` is timed at each concurrency (default 4, 8 and 16: the wall time from start
to the last message accepted, its CPU time and peak memory), over STARTTLS as deployed and
over plain SMTP, and every message is counted at the Maildir by Message-ID once Postfix
has delivered it. Each run is a new document (new number, new Message-IDs): nothing is
cached between runs. The anchor, in the same run: Postfix's own load generator
`smtp-source` sending as many messages of the same size over as many plain sessions,
which is what this Postfix on these cores accepts at best.

Kills: a fresh 200-mailbox document per round, a worker at full speed killed with
SIGKILL at a random moment, then a second worker finishes (after the killed worker's
leases run out); the duplicates at the Maildir are the messages the server had accepted
when the kill came but whose acceptance was not yet recorded.
"""
import argparse
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
VANTHU = os.path.join(ROOT, "target", "release", "vanthu")
MESSAGE_ID = re.compile(rb"^Message-ID:\s*(\S+)", re.I | re.M)


def free_port():
    while True:
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        p = s.getsockname()[1]
        s.close()
        if p < 65000:
            return p


def vanthu(db, *args, env=None, check=True):
    return subprocess.run(
        [VANTHU, "--db", db, *args], env=env, check=check, capture_output=True, text=True
    )


def document(work, n, env):
    """A database with n communes and the Lục Nam letter issued to all of them."""
    if os.path.exists(work):
        shutil.rmtree(work)
    os.makedirs(work)
    db = os.path.join(work, "vanthu.db")
    vanthu(db, "init", env=env)
    vanthu(db, "import", os.path.join(ROOT, "data/demo.toml"), env=env)
    data = []
    for i in range(n):
        data.append(
            f'[[agencies]]\nid = "xa-{i}"\nname = ["Ủy ban nhân dân", "xã Số {i}"]\n'
            f'parent = "ubnd-luc-nam"\nlevel = "commune"\nplace = "Lục Nam"\n'
            f'abbreviation = "UBND"\nshort_name = "UBND xã Số {i}"\n'
            f'email = "xa{i}@lucnam.vanthu.example"\n'
        )
    data.append(
        '[[groups]]\nid = "cac-xa"\nname = "UBND các xã"\nmembers = ['
        + ", ".join(f'"xa-{i}"' for i in range(n))
        + "]\n"
    )
    with open(os.path.join(work, "xa.toml"), "w") as f:
        f.write("\n".join(data))
    vanthu(db, "import", os.path.join(work, "xa.toml"), env=env)
    with open(os.path.join(ROOT, "letters/drafts/luc-nam-cong-van.toml")) as f:
        letter = f.read().replace(
            'addressees = ["UBND các xã, thị trấn"]', 'addressees = ["@cac-xa"]'
        )
    with open(os.path.join(work, "l.toml"), "w") as f:
        f.write(letter)
    number = vanthu(db, "issue", os.path.join(work, "l.toml"), "--date", "2021-03-16", env=env)
    number = number.stdout.strip()
    vanthu(db, "send", number, "--year", "2021", "--no-wait", env=env)
    return db


def maildir_ids(folder):
    ids = {}
    new = os.path.join(folder, "new")
    for name in os.listdir(new) if os.path.isdir(new) else []:
        with open(os.path.join(new, name), "rb") as f:
            m = MESSAGE_ID.search(f.read(8192))
        if m:
            ids[m.group(1)] = ids.get(m.group(1), 0) + 1
    return ids


def wait_for(folder, n, timeout=120):
    """Waits until Postfix has delivered n messages to the Maildir (and a moment more)."""
    start = time.time()
    new = os.path.join(folder, "new")
    while time.time() - start < timeout:
        if os.path.isdir(new) and len(os.listdir(new)) >= n:
            break
        time.sleep(0.1)
    time.sleep(0.5)


def empty(folder):
    """Removes the delivered messages from the Maildir; how many there were."""
    new = os.path.join(folder, "new")
    names = os.listdir(new) if os.path.isdir(new) else []
    for name in names:
        os.unlink(os.path.join(new, name))
    return len(names)


def drain(folder, n):
    """Waits until Postfix has delivered n messages, then empties the Maildir; the
    count of each Message-ID."""
    wait_for(folder, n)
    ids = maildir_ids(folder)
    empty(folder)
    return ids


def message_size(folder):
    """The size of a message waiting in the Maildir (its bytes as delivered)."""
    new = os.path.join(folder, "new")
    for _ in range(100):
        names = os.listdir(new) if os.path.isdir(new) else []
        if names:
            return os.path.getsize(os.path.join(new, names[0]))
        time.sleep(0.1)
    return 0


def drain_count(folder, n):
    """Waits until Postfix has delivered n messages, then empties the Maildir; how many."""
    wait_for(folder, n)
    return empty(folder)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--kills", type=int, default=10)
    ap.add_argument("--sizes", default="200,2000")
    ap.add_argument("--concurrency", default="4,8,16")
    args = ap.parse_args()
    if not os.path.exists(VANTHU):
        sys.exit("build first: cargo build --release")
    tmp = tempfile.mkdtemp(prefix="vanthu-mail-bench-")
    os.chmod(tmp, 0o755)  # Postfix (user postfix) walks into it
    pf = os.path.join(tmp, "postfix")
    port = free_port()
    subprocess.run([os.path.join(ROOT, "tests/postfix.sh"), "start", pf, str(port)], check=True)
    mailbox = os.path.join(pf, "mail/all")
    env = dict(os.environ)
    env.update(
        VANTHU_QUIET="1",
        VANTHU_SMTP_HOST="127.0.0.1",
        VANTHU_SMTP_PORT=str(port),
        VANTHU_SMTP_SECURITY="starttls",
        VANTHU_SMTP_CA=os.path.join(pf, "ca.pem"),
    )
    env.pop("VANTHU_CONFIG", None)
    try:
        print(f"{'sender':>22} {'mailboxes':>9} {'concurrency':>11} {'seconds':>8} {'msg/s':>7} "
              f"{'CPU s':>6} {'peak MB':>8} {'at server':>9} {'duplicates':>10}")
        for n in [int(x) for x in args.sizes.split(",")]:
            for concurrency in [int(x) for x in args.concurrency.split(",")]:
                size = 0
                for security in ("starttls", "plain"):
                    db = document(os.path.join(tmp, "work"), n, env)
                    e = dict(env, VANTHU_MAIL_CONCURRENCY=str(concurrency),
                             VANTHU_SMTP_SECURITY=security)
                    start = time.perf_counter()
                    p = subprocess.Popen([VANTHU, "--db", db, "worker", "--until-idle"], env=e,
                                         stdout=subprocess.DEVNULL)
                    _, status, usage = os.wait4(p.pid, 0)
                    seconds = time.perf_counter() - start
                    assert status == 0, status
                    size = max(size, message_size(mailbox))
                    ids = drain(mailbox, n)
                    dups = sum(c - 1 for c in ids.values())
                    print(f"{'vanthu ' + security:>22} {n:>9} {concurrency:>11} {seconds:>8.2f} "
                          f"{n / seconds:>7.0f} {usage.ru_utime + usage.ru_stime:>6.2f} "
                          f"{usage.ru_maxrss / 1024:>8.1f} {len(ids):>9} {dups:>10}", flush=True)
                # The anchor: Postfix's own client, messages of the same size.
                start = time.perf_counter()
                p = subprocess.Popen(["smtp-source", "-s", str(concurrency), "-m", str(n),
                                      "-l", str(size), "-N", "-f", "bench@lucnam.vanthu.example",
                                      "-t", "xa@lucnam.vanthu.example", f"127.0.0.1:{port}"])
                _, status, usage = os.wait4(p.pid, 0)
                seconds = time.perf_counter() - start
                assert status == 0, status
                got = drain_count(mailbox, n)
                print(f"{'smtp-source plain':>22} {n:>9} {concurrency:>11} {seconds:>8.2f} "
                      f"{n / seconds:>7.0f} {usage.ru_utime + usage.ru_stime:>6.2f} "
                      f"{usage.ru_maxrss / 1024:>8.1f} {got:>9} {'':>10}", flush=True)
        for concurrency in (4, 8) if args.kills else ():
            print(f"\nkill -9 at a random moment, {args.kills} rounds of 200 mailboxes, "
                  f"concurrency {concurrency}:")
            total = 0
            for round in range(args.kills):
                db = document(os.path.join(tmp, "work"), 200, env)
                e = dict(env, VANTHU_MAIL_CONCURRENCY=str(concurrency), VANTHU_MAIL_LEASE="7",
                         VANTHU_SMTP_TIMEOUT="2")
                p = subprocess.Popen([VANTHU, "--db", db, "worker", "--until-idle"], env=e,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                time.sleep(random.uniform(0.1, 0.4))
                p.send_signal(signal.SIGKILL)
                p.wait()
                subprocess.run([VANTHU, "--db", db, "worker", "--until-done"], env=e,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
                ids = drain(mailbox, 200)
                dups = sum(c - 1 for c in ids.values())
                total += dups
                print(f"  round {round + 1}: {len(ids)} messages at the server, {dups} duplicates",
                      flush=True)
            print(f"  {total} duplicates in {args.kills} kills: {total / args.kills:.1f} per kill "
                  f"({concurrency} messages in flight)")
    finally:
        subprocess.run([os.path.join(ROOT, "tests/postfix.sh"), "stop", pf])
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
