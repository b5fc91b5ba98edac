# The shipped tcp_payload_watch script: HTTP requests to 127.0.0.1:80 sent
# with write() (ITER_UBUF) and sendmsg() (ITER_IOVEC); only those carrying
# the metadata-token header are reported. Recorded: the recording is
# tcp_payload_watch's fixture (scripts/testdata/record.sh).
. /lib.sh
mkdir -p /tmp/www
echo ok >/tmp/www/index.html
httpd -p 127.0.0.1:80 -h /tmp/www
start_trace /tmp/tpw.out record -o /tmp/tcp_payload_watch.ltrec /s/tcp_payload_watch.lua
httpreq 80 write "X-aws-ec2-metadata-token: via-write"
httpreq 80 sendmsg "X-aws-ec2-metadata-token: via-sendmsg"
httpreq 80 write "X-Other: nothing"
httpreq 80 sendmsg
wait_for /tmp/tpw.out via-sendmsg
stop_trace
export_file /tmp/tcp_payload_watch.ltrec tcp_payload_watch.ltrec
expect_eq "reports" "$(grep -c httpreq /tmp/tpw.out)" "2"
set -- $(grep via-write /tmp/tpw.out)
expect_eq "comm" "$2" "httpreq"
expect_eq "destination" "$3" "127.0.0.1:80"
expect_eq "bytes" "$4" "72"
expect_eq "match" "$5 $6" "X-aws-ec2-metadata-token: via-write"
set -- $(grep via-sendmsg /tmp/tpw.out)
expect_eq "sendmsg match" "$5 $6" "X-aws-ec2-metadata-token: via-sendmsg"
if grep -q "could not be read" /tmp/tpw.out; then cat /tmp/tpw.out; exit 1; fi
