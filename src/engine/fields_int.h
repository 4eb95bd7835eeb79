/*
 * fields_int.h — what the field files share: the value setters and the
 * lazily resolved event context (fields.c) and the extractors of each
 * field class (fields_evt.c, fields_proc.c, fields_user.c, fields_fd.c,
 * fields_container.c) that fields.c's table points to. Engine-internal.
 */
#ifndef KESTREL_ENGINE_FIELDS_INT_H
#define KESTREL_ENGINE_FIELDS_INT_H

#include "engine/engine_int.h"
#include "engine/fields.h"

/* Largest formatted number/flag string produced without a buffer. */
#define FIELD_NUMBUF 64
/* The kernel's O_LARGEFILE on x86 (glibc defines it as 0 on 64-bit). */
#define KERNEL_O_LARGEFILE 0100000

/* Falco's other syscall fields, supplied or not (fields_falco.c). */
extern const struct field_def field_falco_table[];

/* Value setters: each returns 1 (present). */
int fval_str(struct fval *v, const char *s);
int fval_buf(struct fval *v, struct buf *b);
int fval_num(struct fval *v, int64_t n);

/* The event's process, its parent and its container (resolved once). */
const struct proc *fctx_proc(struct fctx *c);
const struct proc *fctx_parent(struct fctx *c);
const struct container_info *fctx_ct(struct fctx *c);
/* The syscall-class flags of c (is_open, is_exec, ...), computed once. */
struct fctx *fctx_cls(struct fctx *c);

/* 1 when the event is the syscall called name. */
int fld_sc_is(const struct kevent *ev, const char *name);
/* The path record a file field reads, or NULL. */
const struct kev_path *fld_main_path(const struct kevent *ev);
const struct kev_path *fld_path_of_type(const struct kevent *ev, const char *type);
/* name made absolute against cwd into b (normalized). */
int fld_abs_path(struct buf *b, const char *cwd, const char *name);
/* p's name for fd.name: fld_abs_path() against ev's cwd, or under
 * FIELD_UNKNOWN_DIR when p->dirfd_unresolved. 0, or -1 without memory. */
int fld_path_name(struct buf *b, const struct kevent *ev, const struct kev_path *p);

#define FIELD_FN(fn) int fn(struct fctx *c, const struct fref *r, struct fval *v, struct buf *b)
/* fields_evt.c: evt.* and audit.* */
FIELD_FN(f_evt_type);
FIELD_FN(f_evt_num);
FIELD_FN(f_evt_rawres);
FIELD_FN(f_evt_res);
FIELD_FN(f_evt_failed);
FIELD_FN(f_evt_dir);
FIELD_FN(f_evt_time);
FIELD_FN(f_evt_time_iso);
FIELD_FN(f_evt_rawtime);
FIELD_FN(f_evt_hostname);
FIELD_FN(f_evt_is_open_read);
FIELD_FN(f_evt_is_open_write);
FIELD_FN(f_evt_is_open_exec);
FIELD_FN(f_evt_arg);
FIELD_FN(f_evt_rawarg);
FIELD_FN(f_evt_args);
FIELD_FN(f_audit_key);
FIELD_FN(f_audit_serial);
FIELD_FN(f_audit_arch);
FIELD_FN(f_audit_ses);
FIELD_FN(f_audit_syscall);
FIELD_FN(f_audit_success);
FIELD_FN(f_audit_euid);

/* fields_proc.c: proc.*, thread.* */
FIELD_FN(f_proc_name);
FIELD_FN(f_proc_exe);
FIELD_FN(f_proc_exepath);
FIELD_FN(f_proc_args);
FIELD_FN(f_proc_cmdline);
FIELD_FN(f_proc_pid);
FIELD_FN(f_proc_ppid);
FIELD_FN(f_proc_vpid);
FIELD_FN(f_proc_sid);
FIELD_FN(f_proc_sname);
FIELD_FN(f_proc_tty);
FIELD_FN(f_proc_cwd);
FIELD_FN(f_proc_duration);
FIELD_FN(f_proc_is_exe_writable);
FIELD_FN(f_proc_is_exe_from_memfd);
FIELD_FN(f_proc_is_exe_upper_layer);
FIELD_FN(f_proc_is_exe_lower_layer);
/* Falco's exec flags (EXE_WRITABLE|...) of the event's process into b. */
int fld_exe_flags(struct fctx *c, struct buf *b);
FIELD_FN(f_proc_pname);
FIELD_FN(f_proc_pexe);
FIELD_FN(f_proc_pexepath);
FIELD_FN(f_proc_pcmdline);
FIELD_FN(f_proc_aname);
FIELD_FN(f_proc_apid);
FIELD_FN(f_proc_aexe);
FIELD_FN(f_proc_aexepath);
FIELD_FN(f_proc_acmdline);
FIELD_FN(f_thread_cap_effective);

/* fields_user.c: user.*, group.* */
FIELD_FN(f_user_uid);
FIELD_FN(f_group_gid);
FIELD_FN(f_user_loginuid);
FIELD_FN(f_user_name);
FIELD_FN(f_user_loginname);
FIELD_FN(f_group_name);

/* fields_fd.c: fd.* */
FIELD_FN(f_fd_name);
FIELD_FN(f_fd_nameraw);
FIELD_FN(f_fd_directory);
FIELD_FN(f_fd_filename);
FIELD_FN(f_fd_num);
FIELD_FN(f_fd_type);
FIELD_FN(f_fd_typechar);
FIELD_FN(f_fd_sip);
FIELD_FN(f_fd_sport);
FIELD_FN(f_fd_cip);
FIELD_FN(f_fd_cport);
FIELD_FN(f_fd_lip);
FIELD_FN(f_fd_lport);
FIELD_FN(f_fd_rip);
FIELD_FN(f_fd_rport);
FIELD_FN(f_fd_is_server);
FIELD_FN(f_fd_connected);
FIELD_FN(f_fd_name_changed);
/* "N(<4t>cip:cport->sip:sport)": fd N as Falco's evt.arg.fd shows it,
 * with what the process's fd table knows of it, into b. Returns 1. */
int fld_fd_desc(struct fctx *c, int fd, struct buf *b);
FIELD_FN(f_fd_sip_name);
FIELD_FN(f_fd_cip_name);
FIELD_FN(f_fd_lip_name);
FIELD_FN(f_fd_rip_name);
/* 1 when d is one of fd.{s,c,l,r}ip.name: the values written in a rule
 * are host names, resolved to addresses when the rules compile. */
int fld_is_hostname(const struct field_def *d);
FIELD_FN(f_fd_sockfamily);
FIELD_FN(f_fd_l4proto);

/* fields_container.c: container.*, k8s.* */
FIELD_FN(f_ct_id);
FIELD_FN(f_ct_full_id);
FIELD_FN(f_ct_name_raw);
FIELD_FN(f_ct_name);
FIELD_FN(f_ct_type);
FIELD_FN(f_ct_privileged);
FIELD_FN(f_ct_image);
FIELD_FN(f_ct_image_repo);
FIELD_FN(f_ct_image_tag);
FIELD_FN(f_ct_labels);
FIELD_FN(f_k8s_pod_name);
FIELD_FN(f_k8s_ns_name);
FIELD_FN(f_k8s_pod_uid);
FIELD_FN(f_k8s_pod_labels);

#endif
