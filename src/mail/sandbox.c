/*
 * sandbox.c - the parse worker process: its confinement and main loop.
 *
 * Every message is attacker-written, and GMime, GLib and iconv are large C
 * code bases: the worker assumes it will one day be taken over, and makes
 * sure that then it can do nothing but answer on its stdout. It holds no
 * keys and no database (it is exec'ed fresh: nothing of the parent's memory
 * survives, every descriptor but stdin/stdout/stderr is closed, the
 * environment is reduced to sanitizer settings, see worker.c).
 *
 * mail_sandbox_enter() confines it, in this order:
 *
 *  1. no_new_privs; SIGXFSZ ignored (a write to a stderr that is a regular
 *     file then fails with EFBIG instead of killing the worker).
 *  2. rlimits: RLIMIT_CORE 0 (no memory images on disk), RLIMIT_FSIZE 0
 *     (no file grows), RLIMIT_CPU = timeout x recycle_after (a backstop;
 *     the parent enforces the per-message timeout), RLIMIT_AS = parse.memory
 *     (not under AddressSanitizer, which reserves terabytes of address
 *     space for its shadow), RLIMIT_NOFILE 16 (last, after Landlock).
 *  3. Warm-up while still free: g_mime_init(), iconv descriptors for the
 *     common mail charsets kept open for the life of the process (so their
 *     gconv modules stay loaded), libxml2's parser, one tiny PDF read by
 *     poppler (its global parameters scan the poppler-data directories),
 *     and one parse of a built-in message that uses them all (GMime, GLib
 *     and glibc set up their lazy state).
 *  4. Landlock (when the kernel has it): the only file system access left
 *     is reading the gconv module directory, so a charset that was not
 *     warmed up still loads, and poppler-data (/usr/share/poppler: the
 *     CMaps poppler reads when a PDF's CJK font needs one); under
 *     sanitizers also the libraries, the executable's directory and
 *     /proc/self, for symbolized reports. No TCP bind/connect (ABI 4), no
 *     signals or abstract sockets beyond the domain (ABI 6). Without
 *     Landlock, seccomp below denies every open().
 *  5. seccomp-BPF allow-list (libseccomp); anything not listed fails with
 *     EPERM. Listed as a tripwire that kills the process (the parent then
 *     logs "killed by signal 31"): process creation (fork, vfork, clone,
 *     clone3), execve/execveat, ptrace and process_vm_*, every socket
 *     call, mount and namespace calls, bpf, perf, io_uring, userfaultfd,
 *     keyrings, modules, kexec, reboot. Arguments are checked where it
 *     matters: open/openat only read-only (no O_CREAT/O_TRUNC/O_APPEND/
 *     write access), kill/tgkill only to itself (abort()), ioctl only
 *     TCGETS (isatty), prlimit64 only to read its own limits, no memory
 *     that is both writable and executable and no executable anonymous
 *     memory (W^X: mmap/mprotect with PROT_EXEC only for file mappings
 *     without PROT_WRITE, i.e. dlopen of a gconv module).
 *
 * The worker exits with _exit(): LeakSanitizer cannot run under this
 * filter (it needs ptrace), and leaks are checked in-process by the unit
 * and fuzz tests instead.
 *
 * Verified by tests/unit/test_mail.c: denied calls fail or kill as listed,
 * GMime still decodes every charset under the filter, AddressSanitizer and
 * UBSan still report from inside it.
 */
#include "mail/mail.h"

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <iconv.h>
#include <limits.h>
#include <link.h>
#include <libxml/parser.h>
#include <linux/landlock.h>
#include <seccomp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/fsutil.h"
#include "core/log.h"
#include "core/xalloc.h"
#include "mail/mail_internal.h"

#if defined(__SANITIZE_ADDRESS__)
#define SANITIZED_ADDRESS 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SANITIZED_ADDRESS 1
#endif
#endif
#if !defined(SANITIZED_ADDRESS) && defined(__has_feature)
#if __has_feature(undefined_behavior_sanitizer)
#define SANITIZED_OTHER 1
#endif
#endif

/* Landlock definitions newer than the kernel headers of Debian 12. */
#ifndef LANDLOCK_ACCESS_FS_REFER
#define LANDLOCK_ACCESS_FS_REFER (1ULL << 13)
#endif
#ifndef LANDLOCK_ACCESS_FS_TRUNCATE
#define LANDLOCK_ACCESS_FS_TRUNCATE (1ULL << 14)
#endif
#ifndef LANDLOCK_ACCESS_FS_IOCTL_DEV
#define LANDLOCK_ACCESS_FS_IOCTL_DEV (1ULL << 15)
#endif
#define LL_NET_BIND_TCP (1ULL << 0)
#define LL_NET_CONNECT_TCP (1ULL << 1)
#define LL_SCOPE_ABSTRACT_UNIX_SOCKET (1ULL << 0)
#define LL_SCOPE_SIGNAL (1ULL << 1)

struct ll_ruleset_attr {
	uint64_t handled_access_fs;
	uint64_t handled_access_net; /* ABI 4 */
	uint64_t scoped;	     /* ABI 6 */
};

/* The charsets warmed up (glibc iconv names); failures are ignored. */
static const char *const warm_charsets[] = {
    "GB18030",	     "GBK",	    "EUC-CN",	   "BIG5",	  "BIG5-HKSCS",	 "ISO-2022-JP",
    "ISO-2022-JP-2", "EUC-JP",	    "SHIFT_JIS",   "CP932",	  "EUC-KR",	 "CP949",
    "ISO-2022-KR",   "KOI8-R",	    "KOI8-U",	   "CP866",	  "CP1250",	 "CP1251",
    "CP1252",	     "CP1253",	    "CP1254",	   "CP1255",	  "CP1256",	 "CP1257",
    "CP1258",	     "CP874",	    "TIS-620",	   "ISO-8859-1",  "ISO-8859-2",	 "ISO-8859-3",
    "ISO-8859-4",    "ISO-8859-5",  "ISO-8859-6",  "ISO-8859-7",  "ISO-8859-8",	 "ISO-8859-9",
    "ISO-8859-10",   "ISO-8859-11", "ISO-8859-13", "ISO-8859-14", "ISO-8859-15", "ISO-8859-16",
    "UTF-7",	     "UTF-16",	    "UTF-16BE",	   "UTF-16LE",	  "UTF-32",	 "UCS-2",
    "MACINTOSH",     "VISCII",
};

static iconv_t warm_cd[sizeof(warm_charsets) / sizeof(warm_charsets[0])];

/* A message that makes GMime, GLib and iconv load what they load lazily. */
static const char warm_message[] =
    "From: =?gb2312?B?1tDOxLLiytQ=?= <a@example.com>\r\n"
    "To: =?big5?B?wWPF6aSkpOU=?= <b@example.com>, \xb2\xe2\xca\xd4 <c@example.com>\r\n"
    "Cc: =?koi8-r?B?8NLJ18XU?= <d@example.com>\r\n"
    "Subject: =?gbk?B?6UaI0g==?= =?gb18030?B?lTKCNtbQ?= =?iso-2022-jp?B?GyRCRnxLXDhsGyhC?=\r\n"
    " =?shift_jis?B?k/qWe4zq?= =?euc-jp?B?xvzL3Ljs?= =?euc-kr?B?x9Gxub7u?=\r\n"
    " =?windows-1251?B?z/Do4uXy?= =?iso-8859-2?B?WmG/87Pm?= =?iso-8859-15?B?pHVybw==?=\r\n"
    " =?windows-1252?B?Y2Fm6Q==?= =?iso-8859-7?B?xevr5+3p6tw=?= =?windows-1256?B?49HNyMc=?=\r\n"
    " =?iso-8859-9?B?VPxya+dl?= =?utf-8?B?4pyTIG9r?= =?tis-620?B?wNLJ0uS3wg==?=\r\n"
    " =?utf-8?Q?caf=C3=A9_=E2=9C=93?= \xe4\xb8\xad\r\n"
    "Date: Tue, 01 Feb 2022 10:00:00 +0800\r\n"
    "Message-ID: <warm-up@custos>\r\n"
    "MIME-Version: 1.0\r\n"
    "Content-Type: multipart/mixed; boundary=\"b1\"\r\n"
    "\r\n"
    "--b1\r\n"
    "Content-Type: text/plain; charset=utf-8\r\n"
    "Content-Transfer-Encoding: quoted-printable\r\n"
    "\r\n"
    "caf=C3=A9\r\n"
    "--b1\r\n"
    "Content-Type: application/octet-stream; name=\"=?utf-8?B?5oql5ZGKLnBkZg==?=\"\r\n"
    "Content-Disposition: attachment; filename*=gb2312''%B1%A8%B8%E6.pdf\r\n"
    "Content-Transfer-Encoding: base64\r\n"
    "\r\n"
    "JVBERi0xLjQK\r\n"
    "--b1\r\n"
    "Content-Type: message/rfc822\r\n"
    "\r\n"
    "Subject: inner\r\n"
    "\r\n"
    "inner body\r\n"
    "--b1--\r\n";

static void warm_up(const struct mail_limits *lim)
{
	mail_gmime_init();
	for (size_t i = 0; i < sizeof(warm_charsets) / sizeof(warm_charsets[0]); i++)
		warm_cd[i] = iconv_open("UTF-8", warm_charsets[i]);
	struct mail_doc doc;
	struct error err = ERROR_INIT;
	mail_doc_init(&doc);
	xmlInitParser();
	mail_pdf_warm_up();
	mail_extract_warm_up();
	mail_parse((const unsigned char *)warm_message, sizeof(warm_message) - 1, lim, &doc, &err);
	struct buf out;
	buf_init(&out, MAIL_DOC_MAX_WIRE);
	mail_doc_encode(&doc, &out, &err);
	buf_release(&out);
	mail_doc_release(&doc);
}

static int find_gconv(struct dl_phdr_info *info, size_t size, void *data)
{
	char *dir = data;
	(void)size;
	const char *name = info->dlpi_name;
	const char *g = name != NULL ? strstr(name, "/gconv/") : NULL;
	if (g != NULL && dir[0] == '\0' && (size_t)(g - name) + 7 < PATH_MAX) {
		memcpy(dir, name, (size_t)(g - name) + 6);
		dir[g - name + 6] = '\0';
	}
	return 0;
}

/* The directory of glibc's gconv modules: where a loaded one lives, else
 * beside libc (glibc's own default). */
static void gconv_dir(char *dir)
{
	dir[0] = '\0';
	dl_iterate_phdr(find_gconv, dir);
	if (dir[0] != '\0')
		return;
	Dl_info info;
	if (dladdr((void *)iconv_open, &info) != 0 && info.dli_fname != NULL) {
		const char *slash = strrchr(info.dli_fname, '/');
		size_t n = slash != NULL ? (size_t)(slash - info.dli_fname) : 0;
		if (n > 0 && n + 7 < PATH_MAX) {
			memcpy(dir, info.dli_fname, n);
			memcpy(dir + n, "/gconv", 7);
		}
	}
}

static int ll_add_path(int ruleset, const char *path, uint64_t access)
{
	struct landlock_path_beneath_attr pb;
	int fd = open(path, O_PATH | O_CLOEXEC);
	if (fd < 0)
		return 0; /* nothing to allow */
	memset(&pb, 0, sizeof(pb));
	pb.allowed_access = access;
	pb.parent_fd = fd;
	long r = syscall(SYS_landlock_add_rule, ruleset, LANDLOCK_RULE_PATH_BENEATH, &pb, 0);
	close(fd);
	return r < 0 ? -1 : 0;
}

/* Returns 1 if Landlock now confines the process, 0 if the kernel has no
 * Landlock, -1 on error. */
static int enter_landlock(struct error *err)
{
	long abi = syscall(SYS_landlock_create_ruleset, NULL, 0, LANDLOCK_CREATE_RULESET_VERSION);
	if (abi < 0) {
		if (errno == ENOSYS || errno == EOPNOTSUPP)
			return 0;
		return error_errno(err, "landlock");
	}
	struct ll_ruleset_attr attr;
	size_t attr_size = sizeof(attr.handled_access_fs);
	memset(&attr, 0, sizeof(attr));
	attr.handled_access_fs = LANDLOCK_ACCESS_FS_EXECUTE | LANDLOCK_ACCESS_FS_WRITE_FILE |
				 LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_READ_DIR |
				 LANDLOCK_ACCESS_FS_REMOVE_DIR | LANDLOCK_ACCESS_FS_REMOVE_FILE |
				 LANDLOCK_ACCESS_FS_MAKE_CHAR | LANDLOCK_ACCESS_FS_MAKE_DIR |
				 LANDLOCK_ACCESS_FS_MAKE_REG | LANDLOCK_ACCESS_FS_MAKE_SOCK |
				 LANDLOCK_ACCESS_FS_MAKE_FIFO | LANDLOCK_ACCESS_FS_MAKE_BLOCK |
				 LANDLOCK_ACCESS_FS_MAKE_SYM;
	if (abi >= 2)
		attr.handled_access_fs |= LANDLOCK_ACCESS_FS_REFER;
	if (abi >= 3)
		attr.handled_access_fs |= LANDLOCK_ACCESS_FS_TRUNCATE;
	if (abi >= 5)
		attr.handled_access_fs |= LANDLOCK_ACCESS_FS_IOCTL_DEV;
	if (abi >= 4) {
		attr.handled_access_net = LL_NET_BIND_TCP | LL_NET_CONNECT_TCP;
		attr_size = offsetof(struct ll_ruleset_attr, scoped);
	}
	if (abi >= 6) {
		attr.scoped = LL_SCOPE_ABSTRACT_UNIX_SOCKET | LL_SCOPE_SIGNAL;
		attr_size = sizeof(attr);
	}
	int ruleset = (int)syscall(SYS_landlock_create_ruleset, &attr, attr_size, 0);
	if (ruleset < 0)
		return error_errno(err, "landlock_create_ruleset");
	const uint64_t read = LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_READ_DIR;
	char dir[PATH_MAX];
	int rc = 0;
	gconv_dir(dir);
	if (dir[0] != '\0')
		rc |= ll_add_path(ruleset, dir, read);
	/* poppler-data: CMaps and Unicode maps for CJK PDF text. */
	rc |= ll_add_path(ruleset, "/usr/share/poppler", read);
#if defined(SANITIZED_ADDRESS) || defined(SANITIZED_OTHER)
	/* Sanitizer reports read the binaries, their debug files and
	 * /proc/self/maps to symbolize stacks. Test builds only. */
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n > 0) {
		exe[n] = '\0';
		char *slash = strrchr(exe, '/');
		if (slash != NULL && slash != exe)
			*slash = '\0';
		rc |= ll_add_path(ruleset, exe, read);
	}
	rc |= ll_add_path(ruleset, "/usr/lib", read);
	rc |= ll_add_path(ruleset, "/lib", read);
	rc |= ll_add_path(ruleset, "/proc/self", read);
#endif
	if (rc < 0) {
		close(ruleset);
		return error_errno(err, "landlock_add_rule");
	}
	if (syscall(SYS_landlock_restrict_self, ruleset, 0) < 0) {
		close(ruleset);
		return error_errno(err, "landlock_restrict_self");
	}
	close(ruleset);
	return 1;
}

static int set_limit(int resource, rlim_t v, const char *what, struct error *err)
{
	struct rlimit rl = {v, v};
	if (setrlimit(resource, &rl) < 0)
		return error_errno(err, "setrlimit(%s)", what);
	return 0;
}

/* One argument comparison (libseccomp's SCMP_An macros leave datum_b out,
 * which some compilers warn about). */
#define ARG(n, cmp, a, b)                                                                          \
	((struct scmp_arg_cmp){.arg = (n), .op = (cmp), .datum_a = (a), .datum_b = (b)})
#define EQ(n, v) ARG(n, SCMP_CMP_EQ, (scmp_datum_t)(v), 0)
#define MASKED(n, mask, v) ARG(n, SCMP_CMP_MASKED_EQ, (scmp_datum_t)(mask), (scmp_datum_t)(v))

#define RULE(action, name, ...)                                                                    \
	do {                                                                                       \
		if (rc == 0)                                                                       \
			rc = seccomp_rule_add(ctx, action, SCMP_SYS(name), __VA_ARGS__);           \
	} while (0)

static int enter_seccomp(int landlocked, struct error *err)
{
	scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ERRNO(EPERM));
	if (ctx == NULL)
		return error_set(err, ERR_INTERNAL, "seccomp_init failed");
	int rc = 0;
	const scmp_datum_t self = (scmp_datum_t)getpid();
	static const int allowed[] = {
	    SCMP_SYS(read),	     SCMP_SYS(readv),
	    SCMP_SYS(pread64),	     SCMP_SYS(write),
	    SCMP_SYS(writev),	     SCMP_SYS(lseek),
	    SCMP_SYS(close),	     SCMP_SYS(fstat),
	    SCMP_SYS(newfstatat),    SCMP_SYS(statx),
	    SCMP_SYS(getdents64),    SCMP_SYS(readlink),
	    SCMP_SYS(readlinkat),    SCMP_SYS(fcntl),
	    SCMP_SYS(munmap),	     SCMP_SYS(mremap),
	    SCMP_SYS(madvise),	     SCMP_SYS(brk),
	    SCMP_SYS(rt_sigaction),  SCMP_SYS(rt_sigprocmask),
	    SCMP_SYS(rt_sigreturn),  SCMP_SYS(sigaltstack),
	    SCMP_SYS(exit),	     SCMP_SYS(exit_group),
	    SCMP_SYS(futex),	     SCMP_SYS(getpid),
	    SCMP_SYS(gettid),	     SCMP_SYS(getppid),
	    SCMP_SYS(clock_gettime), SCMP_SYS(clock_getres),
	    SCMP_SYS(gettimeofday),  SCMP_SYS(time),
	    SCMP_SYS(nanosleep),     SCMP_SYS(clock_nanosleep),
	    SCMP_SYS(sched_yield),   SCMP_SYS(getrandom),
	    SCMP_SYS(getuid),	     SCMP_SYS(geteuid),
	    SCMP_SYS(getgid),	     SCMP_SYS(getegid),
	    SCMP_SYS(uname),	     SCMP_SYS(restart_syscall),
	    SCMP_SYS(getrlimit),     SCMP_SYS(getrusage),
	    SCMP_SYS(poll),	     SCMP_SYS(ppoll),
	};
	static const int tripwires[] = {
	    SCMP_SYS(fork),
	    SCMP_SYS(vfork),
	    SCMP_SYS(clone),
	    SCMP_SYS(clone3),
	    SCMP_SYS(execve),
	    SCMP_SYS(execveat),
	    SCMP_SYS(ptrace),
	    SCMP_SYS(process_vm_readv),
	    SCMP_SYS(process_vm_writev),
	    SCMP_SYS(socket),
	    SCMP_SYS(socketpair),
	    SCMP_SYS(connect),
	    SCMP_SYS(bind),
	    SCMP_SYS(listen),
	    SCMP_SYS(accept),
	    SCMP_SYS(accept4),
	    SCMP_SYS(mount),
	    SCMP_SYS(umount2),
	    SCMP_SYS(pivot_root),
	    SCMP_SYS(chroot),
	    SCMP_SYS(unshare),
	    SCMP_SYS(setns),
	    SCMP_SYS(bpf),
	    SCMP_SYS(perf_event_open),
	    SCMP_SYS(io_uring_setup),
	    SCMP_SYS(io_uring_enter),
	    SCMP_SYS(io_uring_register),
	    SCMP_SYS(userfaultfd),
	    SCMP_SYS(keyctl),
	    SCMP_SYS(add_key),
	    SCMP_SYS(request_key),
	    SCMP_SYS(init_module),
	    SCMP_SYS(finit_module),
	    SCMP_SYS(delete_module),
	    SCMP_SYS(kexec_load),
	    SCMP_SYS(kexec_file_load),
	    SCMP_SYS(reboot),
	    SCMP_SYS(open_by_handle_at),
	    SCMP_SYS(name_to_handle_at),
	};
	for (size_t i = 0; rc == 0 && i < sizeof(allowed) / sizeof(allowed[0]); i++)
		rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, allowed[i], 0);
	for (size_t i = 0; rc == 0 && i < sizeof(tripwires) / sizeof(tripwires[0]); i++)
		rc = seccomp_rule_add(ctx, SCMP_ACT_KILL_PROCESS, tripwires[i], 0);
	/* W^X: executable memory only as a read-only file mapping (dlopen). */
	RULE(SCMP_ACT_ALLOW, mmap, 1, MASKED(2, PROT_EXEC, 0));
	RULE(SCMP_ACT_ALLOW, mmap, 2, MASKED(2, PROT_EXEC | PROT_WRITE, PROT_EXEC),
	     MASKED(3, MAP_ANONYMOUS, 0));
	RULE(SCMP_ACT_ALLOW, mprotect, 1, MASKED(2, PROT_EXEC, 0));
	/* Signals only to itself (abort(), raise()). */
	RULE(SCMP_ACT_ALLOW, kill, 1, EQ(0, self));
	RULE(SCMP_ACT_ALLOW, tgkill, 1, EQ(0, self));
	RULE(SCMP_ACT_ALLOW, ioctl, 1, EQ(1, TCGETS));
	RULE(SCMP_ACT_ALLOW, prlimit64, 2, EQ(0, 0), EQ(2, 0));
	if (landlocked) {
		/* Read-only opens; Landlock decides where. */
		const scmp_datum_t wmask = O_ACCMODE | O_CREAT | O_TRUNC | O_APPEND;
		RULE(SCMP_ACT_ALLOW, openat, 1, MASKED(2, wmask, O_RDONLY));
		RULE(SCMP_ACT_ALLOW, open, 1, MASKED(1, wmask, O_RDONLY));
	}
	/* openat2 passes its flags in a struct seccomp cannot read. */
	RULE(SCMP_ACT_ERRNO(ENOSYS), openat2, 0);
	if (rc == 0)
		rc = seccomp_load(ctx);
	seccomp_release(ctx);
	if (rc < 0) {
		errno = -rc;
		return error_errno(err, "seccomp");
	}
	return 0;
}

int mail_sandbox_enter(const struct mail_limits *lim, struct error *err)
{
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return error_errno(err, "prctl(PR_SET_NO_NEW_PRIVS)");
	signal(SIGXFSZ, SIG_IGN);
	uint64_t cpu = (uint64_t)(lim->timeout_s ? lim->timeout_s : 1) *
		       (uint64_t)(lim->recycle_after ? lim->recycle_after : 1);
	if (cpu > 30 * 24 * 3600)
		cpu = 30 * 24 * 3600;
	if (set_limit(RLIMIT_CORE, 0, "core", err) < 0 ||
	    set_limit(RLIMIT_FSIZE, 0, "fsize", err) < 0 ||
	    set_limit(RLIMIT_CPU, (rlim_t)cpu, "cpu", err) < 0)
		return -1;
#ifndef SANITIZED_ADDRESS
	if (lim->memory > 0 && set_limit(RLIMIT_AS, (rlim_t)lim->memory, "as", err) < 0)
		return -1;
#endif
	warm_up(lim);
	int landlocked = enter_landlock(err);
	if (landlocked < 0)
		return -1;
	if (landlocked == 0)
		log_warn("parse worker: the kernel has no Landlock; all file opens are denied");
	if (set_limit(RLIMIT_NOFILE, 16, "nofile", err) < 0)
		return -1;
	return enter_seccomp(landlocked, err);
}

/* Reads exactly n bytes; 1 done, 0 end of input before the first byte,
 * -1 error or end in the middle. */
static int read_full(int fd, void *p, size_t n)
{
	unsigned char *c = p;
	size_t got = 0;
	while (got < n) {
		ssize_t r = read(fd, c + got, n - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return r == 0 && got == 0 ? 0 : -1;
		got += (size_t)r;
	}
	return 1;
}

static int write_full(int fd, const void *p, size_t n)
{
	struct error err = ERROR_INIT;
	return fs_write_all(fd, p, n, &err);
}

/* Reads and drops n bytes (a message the worker cannot hold). */
static int drain(int fd, uint64_t n)
{
	unsigned char tmp[4096];
	while (n > 0) {
		size_t k = n < sizeof(tmp) ? (size_t)n : sizeof(tmp);
		if (read_full(fd, tmp, k) != 1)
			return -1;
		n -= k;
	}
	return 0;
}

/* The answer: the doc in the binary encoding (wire.c); a doc too large to
 * send loses its lists (and says so) rather than the whole answer. */
static int answer(int out_fd, struct mail_doc *doc)
{
	struct buf out;
	struct error err = ERROR_INIT;
	buf_init(&out, MAIL_DOC_MAX_WIRE);
	if (buf_append(&out, "\0\0\0\0", 4, &err) < 0)
		return -1;
	if (mail_doc_encode(doc, &out, &err) < 0) {
		struct mail_doc small;
		mail_doc_init(&small);
		small.flags = doc->flags | MAIL_F_LIMITS;
		small.message_id = doc->message_id;
		small.date = doc->date;
		small.date_raw = doc->date_raw;
		small.subject = doc->subject;
		small.n_parts = doc->n_parts;
		small.depth = doc->depth;
		char why[160];
		snprintf(why, sizeof(why),
			 "metadata too large to send (%s): addresses and "
			 "attachments dropped",
			 error_code_name(err.code));
		small.error = why;
		buf_reset(&out);
		buf_append(&out, "\0\0\0\0", 4, &err);
		int rc = mail_doc_encode(&small, &out, &err);
		if (rc < 0) {
			buf_release(&out);
			return -1;
		}
	}
	put_u32be(out.data, (uint32_t)(out.len - 4));
	int rc = write_full(out_fd, out.data, out.len);
	buf_release(&out);
	return rc;
}

int mail_worker_main(int in_fd, int out_fd, const struct mail_limits *lim)
{
	struct error err = ERROR_INIT;
	log_set_ident("custos-worker");
	if (mail_sandbox_enter(lim, &err) < 0) {
		/* Fail closed: never parse unconfined. */
		log_error("cannot enter the sandbox: %s", err.msg);
		return 1;
	}
	for (;;) {
		unsigned char hdr[8]; /* length, options */
		int r = read_full(in_fd, hdr, sizeof(hdr));
		if (r == 0)
			return 0; /* the parent closed: done */
		if (r < 0)
			return 1;
		uint32_t len = get_u32be(hdr);
		uint32_t opts = get_u32be(hdr + 4);
		struct mail_doc doc;
		mail_doc_init(&doc);
		unsigned char *msg = len <= lim->max_message_size ? malloc(len ? len : 1) : NULL;
		if (msg == NULL) {
			if (drain(in_fd, len) < 0)
				return 1;
			doc.flags = MAIL_F_LIMITS | MAIL_F_NO_MESSAGE_ID | MAIL_F_BAD_DATE;
			doc.error = xasprintf("message of %u bytes does not fit the parse worker's "
					      "limits",
					      len);
		} else {
			if (read_full(in_fd, msg, len) != 1) {
				free(msg);
				return 1;
			}
			if (mail_parse_opts(msg, len, lim, opts & MAIL_PARSE_NO_EXTRACT, &doc,
					    &err) < 0) {
				mail_doc_release(&doc);
				doc.flags = MAIL_F_PARSE_FAILED;
				doc.error = mail_text_clean(err.msg, strlen(err.msg),
							    MAIL_DOC_MAX_STRING, NULL);
			}
			free(msg);
		}
		r = answer(out_fd, &doc);
		mail_doc_release(&doc);
		if (r < 0)
			return 1;
	}
}
