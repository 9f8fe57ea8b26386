/* uring.h - the io_uring engine's own types, shared by its reactor (uring.c) and its client-socket ops (client.c). */
#ifndef RS_URING_H
#define RS_URING_H

#include <liburing.h>
#include <stdbool.h>
#include <stdint.h>

#include "engine.h"
#include "fiber.h"

/*
 * user_data layout. Connection operations carry kind | generation | slot so a
 * completion that arrives after its connection closed (the slot reused, the
 * generation bumped) is recognised and dropped. Client-socket operations
 * (drivers, sleeps) carry a pointer to a struct uring_op on the waiting
 * fiber's stack: user-space pointers have a zero top byte, which is kind 0.
 * Such a fiber always waits for its completion, so the pointer stays valid.
 */
enum ud_kind {
	UD_OP = 0,
	UD_IGNORE = 1,
	UD_ACCEPT = 2,
	UD_RECV = 3,
	UD_SEND = 4,
	UD_STOP = 5,
	UD_SWEEP = 6,
	UD_STOP_REPORT = 7,        /* 5 s after stop: say what still holds the loop */
};

#define UD_KIND(ud) ((unsigned)((ud) >> 56))
#define UD_GEN(ud) ((uint32_t)(((ud) >> 32) & 0xffffff))
#define UD_SLOT(ud) ((uint32_t)(ud))

static inline uint64_t ud_make(enum ud_kind k, uint32_t gen, uint32_t slot)
{
	return ((uint64_t)k << 56) | ((uint64_t)(gen & 0xffffff) << 32) | slot;
}

/* Optimisations that --uring-no=... switches off (link: off by default, --uring-with=link), for the ablation figure. */
enum {
	NO_MULTISHOT = 1u << 0,
	NO_BUFRING = 1u << 1,
	NO_DEFER = 1u << 2,
	NO_FILEOPS = 1u << 3, /* file opens/reads block the reactor thread instead of riding the ring */
	NO_LINK = 1u << 4,    /* a driver's query send and answer recv: two submissions, not one linked pair */
	NO_ASYNCFLUSH = 1u << 5, /* conn_flush waits for its send's completion before the fiber reads on */
	NO_FIXEDFILES = 1u << 6, /* accepted sockets are ordinary fds, not direct descriptors */
	NO_CLIENTFIXED = 1u << 7, /* drivers' sockets (Postgres, Redis) are not registered in the file table */
	NO_MINWAIT = 1u << 8, /* the loop waits for one completion, not for a batch with a bounded wait (6.12's min-wait) */
};

/* Registered slots for drivers' sockets, above the accept range of the table. */
#define CLIENT_SLOTS 256u

#define BGID 7
#define BUF_SIZE 2048u
/* --uring-with=minwait: wait for this many completions, and no longer than
 * this once one is there. 8:20 and 2:5 measured alike; 16:50 lost a third
 * of /select42's throughput (the loop sat on answers it had). */
#define MIN_WAIT_NR 4u
#define MIN_WAIT_US 10u

enum wait_kind { WAIT_NONE, WAIT_READ, WAIT_SEND };

struct uring_conn {
	struct rs_conn base;
	uint32_t slot;
	uint32_t gen;
	struct rs_fiber *fiber;
	enum wait_kind waiting;
	bool recv_armed;       /* a recv (multishot or single) is in the kernel */
	bool rearm_queued;     /* on the reactor's re-arm list */
	bool eof;              /* peer closed, or recv failed: see err */
	bool timing_out;       /* its recv is being cancelled for a passed deadline */
	bool throttled;        /* the stash reached the backlog bound: no re-arm until drained */
	bool recv_cancelled;   /* a multishot recv was cancelled for throttling; its end is no EOF */
	int err;
	ssize_t wait_res;      /* result handed to the fiber on resume */
	struct rs_buf stash;   /* bytes that arrived while the fiber was busy */
	/* Asynchronous flush: c->out's storage, swapped out and handed to the
	 * kernel; the fiber reads on meanwhile. At most one such send at a time. */
	struct rs_buf sending;
	bool send_inflight;
	bool send_cancelling;  /* its send is being cancelled for a passed send deadline */
	int send_err;          /* how it failed: the next read or flush says so */
	int64_t send_deadline_ms;
	struct uring_conn *next_rearm;
};

struct uring_op {
	struct rs_fiber *fiber;
	int res;
	uint32_t cqe_flags;
};

struct uring_reactor {
	struct rs_reactor base;
	struct io_uring ring;
	unsigned no;           /* NO_* bits */
	int listen_fd;
	bool accept_armed;
	int stop_fd;
	uint64_t stop_val;
	bool stop_seen;
	struct __kernel_timespec stop_report_ts; /* read by the kernel while that timeout is out */
	int sweep_ms;              /* deadline sweep period, 0 = no timeouts */
	bool sweep_armed;
	struct __kernel_timespec sweep_ts;

	struct io_uring_buf_ring *br;
	size_t br_size;
	char *bufs;
	unsigned nbufs;

	struct uring_conn **conns; /* by slot, allocated lazily and reused */
	uint32_t *free_slots;
	uint32_t nfree;
	uint32_t nslots;
	uint32_t hiwater;          /* slots ever used are below this: the sweep stops here */
	struct uring_conn *rearm;  /* connections whose recv must be re-armed */
	unsigned ops_pending;      /* client-socket ops in the kernel */
	bool has_op_socket;
	bool has_link_send;        /* send retries short stream sends under MSG_WAITALL (6.0+): safe to link */
	bool has_cqe_skip;         /* IOSQE_CQE_SKIP_SUCCESS (5.17+) */
	bool ring_registered;      /* io_uring_register_ring_fd took: enter by its index */
	/* Min-wait batching (loop.c): wait for min_wait_nr completions, but no
	 * longer than min_wait_us once at least one is there; 0 = plain wait. */
	unsigned min_wait_nr;
	unsigned min_wait_us;
	bool fixed_files;          /* accepted sockets are direct descriptors: rs_conn.fd is a table index */
	/* Drivers' sockets registered in the same table (the fd stays open for
	 * setsockopt and close): fd -> slot, -1 where not registered. */
	int32_t *fd2fixed;
	unsigned fd2fixed_cap;
	unsigned client_base;      /* first slot of the drivers' range */
	uint32_t client_free[CLIENT_SLOTS];
	unsigned client_nfree;
};

static inline struct uring_reactor *to_ur(struct rs_reactor *r)
{
	return (struct uring_reactor *)r;
}

static inline struct uring_conn *to_uc(struct rs_conn *c)
{
	return (struct uring_conn *)c;
}

/* An SQE, submitting first when the SQ ring is full. */
static inline struct io_uring_sqe *ur_sqe(struct uring_reactor *ur)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(&ur->ring);
	while (!sqe) {
		io_uring_submit(&ur->ring);
		sqe = io_uring_get_sqe(&ur->ring);
	}
	return sqe;
}

extern const struct rs_engine_ops rs_engine_uring;
/* loop.c: the ring's wait, plain or min-wait batched. */
bool rs_uring_min_wait_probe(unsigned features);
int rs_uring_wait(struct uring_reactor *ur);

/* client.c: the ops drivers and file reads use, each suspending the fiber. */
int rs_uring_sock_connect(struct rs_reactor *r, const struct sockaddr *sa, socklen_t len, int *fd_out);
ssize_t rs_uring_sock_send(struct rs_reactor *r, int fd, const void *buf, size_t len);
ssize_t rs_uring_sock_recv(struct rs_reactor *r, int fd, void *buf, size_t len);
ssize_t rs_uring_sock_send_recv(struct rs_reactor *r, int fd, const void *sbuf, size_t slen, void *rbuf,
				size_t rlen);
int rs_uring_sock_wait(struct rs_reactor *r, int fd, int events, int timeout_ms);
void rs_uring_sock_close(struct rs_reactor *r, int fd);
void rs_uring_client_setup(struct uring_reactor *ur, unsigned base);
int rs_uring_sleep_ms(struct rs_reactor *r, int ms);
int rs_uring_file_open(struct rs_reactor *r, int dirfd, const char *name, int flags);
ssize_t rs_uring_file_read(struct rs_reactor *r, int fd, void *buf, size_t len, uint64_t off);

#endif
