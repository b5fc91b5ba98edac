# In-kernel maps fed by kprobes and kretprobes: exact counts, durations
# in a histogram (paired entry, computed value), stack keys, kernel
# filters with arithmetic, kernel.object of the current task.
. /lib.sh
out=$(luatrace -c "openat /init 5" -e '
calls = map.count{ key = "comm" }
lat = map.hist{ key = "comm", value = "duration / 1000" }
bytes = map.sum{ value = "args.how->flags >> 16" }
ks = map.count{ key = "kstack" }
probe("kprobe:do_sys_openat2", { into = { calls, bytes } })
probe("kretprobe:do_sys_openat2", { into = lat, filter = "retval >= 3 && duration / 1000 < 1000000" })
probe("kprobe:do_sys_openat2", { into = ks })
probe("END", function()
  local h = lat:get("openat")
  local frames = 0
  for _, it in ipairs(ks:items()) do frames = frames + #it.key end
  printf("%d %d %d %s\n", calls:get("openat"), h and h.count or -1, bytes:get(), tostring(frames > 0))
end)')
expect_eq "maps on kprobes" "$(echo "$out" | head -1)" "5 5 40 true"
# kernel.object reads the task when the callback runs, not when the event
# fired: the command must still be running then (a task that exited may
# already be freed), so it opens many times and the first event ends it.
out=$(luatrace -c "openat /init 1000000" -e '
probe("kprobe:do_sys_openat2", { fields = { task = "curtask" } }, function(e)
  local t = kernel.object(e.task, "struct task_struct")
  print(t ~= nil and t.pid == e.tid and t.comm == e.comm)
  exit()
end)' 2>/dev/null)
expect_eq "kernel.object of the current task" "$out" "true"
