package notify_test

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"

	"go.uber.org/zap"

	"github.com/numsync/numsync"
	"github.com/numsync/numsync/notify"
)

// BenchmarkSend measures a batch of 100 notifications through STARTTLS and
// AUTH to a loopback server, each recorded as sent in a real store; the
// figure is dominated by the store's one durable commit per message.
func BenchmarkSend(b *testing.B) {
	const batch = 100
	ctx := context.Background()
	ms := authServer(b)
	st := openStore(b, filepath.Join(b.TempDir(), "s.db"))
	cfg := config(ms)
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		b.StopTimer()
		req := numsync.ApplyRequest{Actor: "admin@contoso.com"}
		var msgs []numsync.Message
		for j := range batch {
			to := fmt.Sprintf("user%d.%d@contoso.com", i, j)
			msgs = append(msgs, numsync.Message{UPN: to, To: to, Raw: notice(to, "+14255550101")})
		}
		req.Messages = func() []numsync.Message { return msgs }
		rev, err := st.Revision(ctx)
		if err != nil {
			b.Fatal(err)
		}
		req.Revision = rev
		if _, err := st.Apply(ctx, req); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		if res, err := notify.Send(ctx, st, cfg, zap.NewNop()); err != nil || res.Sent != batch {
			b.Fatalf("Send = %+v, %v", res, err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*batch), "ns/message")
}
