#!/usr/bin/env python3
"""make_seeds.py - writes the seed inputs of the fuzz targets into tests/fuzz/<target>/.

Usage: python3 tests/fuzz/make_seeds.py   (from anywhere; overwrites only the seed-* files)

HTTP seeds are typical client and server traffic; pgwire and SCRAM seeds are the
PostgreSQL 15 streams recorded by tests/pgwire/pgw_record.c (recorded.h,
scram_vectors.h), framed the way fuzz_pgwire.c and fuzz_scram.c read their input.
Regression inputs (crash-*, named by libFuzzer) are never touched.
"""
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
PGW = os.path.join(HERE, "..", "pgwire")


def write(target, name, data):
    d = os.path.join(HERE, target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "seed-" + name), "wb") as f:
        f.write(data)


def recorded():
    """Every rec_* array of recorded.h, as bytes."""
    text = open(os.path.join(PGW, "recorded.h")).read()
    out = {}
    for name, body in re.findall(r"static const unsigned char (rec_\w+)\[\] = \{(.*?)\};", text, re.S):
        out[name] = bytes(int(x, 16) for x in re.findall(r"0x([0-9a-f]{2})", body))
    return out


def scram_vector(name):
    text = open(os.path.join(PGW, "scram_vectors.h")).read()
    return re.search(r'#define %s "(.*)"' % name, text).group(1).encode()


def http_req():
    crlf = lambda *lines: ("\r\n".join(lines) + "\r\n\r\n").encode()
    plain = crlf("GET /plaintext HTTP/1.1", "Host: localhost:8080",
                 "Accept: text/plain,text/html;q=0.9,*/*;q=0.8", "Connection: keep-alive")
    # Control byte: bit 7 picks tiny limits, the rest seeds the split points.
    write("http_req", "plaintext", b"\x01" + plain)
    write("http_req", "pipelined", b"\x07" + plain + crlf("GET /json HTTP/1.1", "Host: a") +
          crlf("GET /queries?queries=20&x HTTP/1.1", "Host: a") + crlf("GET /db HTTP/1.1", "Host: a"))
    write("http_req", "post-body", b"\x03" + crlf("POST /updates?queries=5 HTTP/1.1", "Host: a",
          "Content-Length: 11", "Content-Type: text/plain") + b"hello world" +
          crlf("GET /fortunes HTTP/1.1", "Host: a"))
    write("http_req", "http10", b"\x02" + crlf("GET /sleep?ms=3 HTTP/1.0", "Connection: Keep-Alive"))
    write("http_req", "bare-lf", b"\x09GET /select42 HTTP/1.1\nHost: a\nConnection: x, close\n\n")
    write("http_req", "chunked", b"\x04" + crlf("POST / HTTP/1.1", "Transfer-Encoding: chunked") +
          b"5\r\nhello\r\n0\r\n\r\n")
    write("http_req", "two-lengths", b"\x05" + crlf("POST / HTTP/1.1", "Content-Length: 1",
          "Content-Length: 2") + b"ab")
    write("http_req", "version", b"\x06" + crlf("GET / HTTP/2.0"))
    write("http_req", "tiny-headers", b"\x81" + crlf("GET / HTTP/1.1", "A: 1", "B: 2", "C: 3",
          "D: 4", "E: 5"))
    write("http_req", "tiny-body", b"\x8a" + crlf("PUT /x HTTP/1.1", "Content-Length: 17") +
          b"x" * 17)
    write("http_req", "tab-ows", b"\x0b" + crlf("GET /a?b=c HTTP/1.1", "X-Y:\t v \t",
          "content-length:  0  "))
    write("http_req", "leading-crlf", b"\x0c\r\n\n" + crlf("GET /json HTTP/1.1", "Host: a") + b"\r\n" +
          crlf("GET /db HTTP/1.1", "Host: [::1]:80"))
    write("http_req", "absolute-form", b"\x0d" + crlf("GET http://a:8/q?queries=2 HTTP/1.1", "Host: a") +
          crlf("GET HTTPS://b HTTP/1.1", "Host: b"))
    write("http_req", "expect", b"\x0e" + crlf("POST /p HTTP/1.1", "Host: a", "Expect: 100-continue",
          "Content-Length: 3") + b"abc")


def http_resp():
    date = "Date: Sun, 06 Nov 1994 08:49:37 GMT"

    def resp(status, body=b"", *headers):
        head = ["HTTP/1.1 " + status, "Server: ringside", date] + list(headers)
        if body is not None:
            head.append("Content-Length: %d" % len(body))
        return ("\r\n".join(head) + "\r\n\r\n").encode() + (body or b"")
    hello = resp("200 OK", b"Hello, World!", "Content-Type: text/plain")
    write("http_resp", "plaintext", b"\x01" + hello)
    write("http_resp", "pipelined", b"\x05" + hello + resp("200 OK", b'{"message":"Hello, World!"}',
          "Content-Type: application/json") + resp("404 Not Found", b"Not Found") + hello)
    write("http_resp", "no-body", b"\x02" + resp("204 No Content", None) + resp("304 Not Modified", None))
    write("http_resp", "close", b"\x03" + resp("503 Service Unavailable", b"Service Unavailable",
          "Connection: close"))
    write("http_resp", "chunked", b"\x04" + resp("200 OK", None, "Transfer-Encoding: chunked") +
          b"5\r\nhello\r\n0\r\n\r\n")
    write("http_resp", "continue", b"\x06HTTP/1.1 100 Continue\r\n\r\n" + hello)
    write("http_resp", "http10-lf", b"\x07HTTP/1.0 200\nContent-Length: 2\ncontent-length: 2\n\nok")
    write("http_resp", "no-length", b"\x08HTTP/1.1 200 OK\r\nServer: nginx\r\n\r\nbody until close")


def pgwire(rec):
    # Byte 0: auth in the low 2 bits (0 trust, 1 md5, 2 password, 3 scram), split seed above.
    # Byte 1: request count; then one byte per request: 0 query, 1 prepare s1, 2 execute s1,
    # 3 execute_sql s2, 4 execute_sql unnamed (fuzz_pgwire.c's submit()).
    def seed(name, auth, split, ops, *parts):
        write("pgwire", name, bytes([auth | split << 2, len(ops)] + ops) +
              b"".join(rec["rec_" + p] for p in parts))
    seed("trust-startup", 0, 1, [], "trust_startup")
    seed("simple-rows", 0, 0, [0], "trust_startup", "simple_rows")
    seed("extended", 0, 6, [1, 2, 3, 0, 3], "trust_startup", "prepare", "execute_bin",
         "auto_first", "deallocate", "auto_retry")
    seed("error-then-ok", 0, 3, [0, 0], "trust_startup", "error_then_ok")
    for i, p in enumerate(["notice_rows", "notify", "empty", "multi", "multi_error", "copy_out",
                           "copy_in", "update", "insert", "types_text"]):
        seed("query-" + p.replace("_", "-"), 0, i + 7, [0], "trust_startup", p)
    seed("types-bin", 0, 20, [4], "trust_startup", "types_bin")
    seed("md5", 1, 5, [0], "md5_startup", "simple_rows")
    seed("md5-wrong", 1, 2, [], "md5_wrong")
    seed("password", 2, 4, [0, 0], "pw_startup", "error_then_ok")
    seed("scram", 3, 9, [0], "scram_startup", "simple_rows")


def scram():
    first, final = scram_vector("REC_SERVER_FIRST"), scram_vector("REC_SERVER_FINAL")
    write("scram", "exchange", first + b"\0" + final)
    write("scram", "first-only", first)
    write("scram", "server-error", first + b"\0e=invalid-proof")
    write("scram", "wrong-signature", first + b"\0v=" + b"A" * 43 + b"=")
    write("scram", "low-count", first.replace(b"i=4096", b"i=1") + b"\0" + final)


def main():
    http_req()
    http_resp()
    pgwire(recorded())
    scram()
    return 0


if __name__ == "__main__":
    sys.exit(main())
