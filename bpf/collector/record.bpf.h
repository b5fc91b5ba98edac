/* Building a record: the per-CPU scratch slot it is built in and the
 * header fields every record takes from the current task. Shared by the
 * general collector and the small tracepoint programs (plain.bpf.c),
 * which use the same slots. */
#ifndef LT_RECORD_BPF_H
#define LT_RECORD_BPF_H

/* lt_claim_slot returns this CPU's scratch slot, marked busy, or NULL
 * when a probe it interrupted holds it (counted as nested). The slot is
 * this CPU's, so only a probe interrupting this one (an NMI or IRQ on the
 * same CPU) can race for it, and such a probe runs to completion before
 * this one resumes: plain loads and stores suffice, no locked
 * instructions on the hot path. The caller clears busy when done. */
static __always_inline struct lt_scratch *lt_claim_slot(__u32 cpu, struct lt_stats *st)
{
	struct lt_scratch *slot = bpf_map_lookup_elem(&scratch, &cpu);
	if (!slot)
		return NULL;
	if (*(volatile __u32 *)&slot->busy) {
		st->nested++;
		return NULL;
	}
	*(volatile __u32 *)&slot->busy = 1;
	return slot;
}

/* lt_fill_header writes the probe id, time, ids, CPU and command of the
 * current task into hdr; it returns the pid_tgid it read. */
static __always_inline __u64 lt_fill_header(struct lt_header *hdr, __u32 id, __u32 cpu, const char *comm)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	__u64 uid_gid = bpf_get_current_uid_gid();

	hdr->probe_id = id;
	hdr->ts = bpf_ktime_get_ns();
	hdr->pid = pid_tgid >> 32;
	hdr->tid = (__u32)pid_tgid;
	hdr->uid = (__u32)uid_gid;
	hdr->gid = uid_gid >> 32;
	hdr->cpu = cpu;
	__builtin_memcpy(hdr->comm, comm, sizeof(hdr->comm));
	return pid_tgid;
}

#endif
