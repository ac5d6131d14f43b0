package creem

import (
	"bufio"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/binary"
	"io"
	"math/big"
	"net"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Go's HTTP/2 transport resends a request by itself after an RST_STREAM with PROTOCOL_ERROR from
// the server, when the request has no body or has GetBody. The server may have acted on the whole
// request before resetting, so an unsafe write must never be resent that way. net/http's server
// cannot reset a stream after reading a request, so h2Server speaks the few frames needed by hand.

// HTTP/2 frame types and flags (RFC 9113, section 6).
const (
	h2Data         = 0x0
	h2Headers      = 0x1
	h2RSTStream    = 0x3
	h2Settings     = 0x4
	h2Ping         = 0x6
	h2GoAway       = 0x7
	h2FlagEnd      = 0x1 // END_STREAM; ACK on SETTINGS and PING
	h2FlagHdrsEnd  = 0x4 // END_HEADERS
	h2FlagPadded   = 0x8
	h2ProtocolErr  = 0x1
	h2ClientPrefix = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"
)

// h2Server accepts TLS connections with ALPN h2. Each complete request (its END_STREAM seen) is
// counted; the first resetFirst requests are answered with RST_STREAM(PROTOCOL_ERROR), later ones
// with 200 and body.
type h2Server struct {
	ln         net.Listener
	roots      *x509.CertPool
	resetFirst int
	body       []byte

	mu       sync.Mutex
	requests []h2Request
	conns    []net.Conn
	wg       sync.WaitGroup
}

// h2Request is one complete request as received: its DATA bytes and whether HEADERS ended it.
type h2Request struct {
	body        []byte
	headersOnly bool // HEADERS carried END_STREAM: no DATA frame at all
}

func newH2Server(t *testing.T, resetFirst int, body []byte) *h2Server {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "creem-go h2 test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)}, KeyUsage: x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	require.NoError(t, err)
	leaf, err := x509.ParseCertificate(der)
	require.NoError(t, err)
	roots := x509.NewCertPool()
	roots.AddCert(leaf)
	ln, err := tls.Listen("tcp", "127.0.0.1:0", &tls.Config{
		Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}},
		NextProtos:   []string{"h2"},
	})
	require.NoError(t, err)
	s := &h2Server{ln: ln, roots: roots, resetFirst: resetFirst, body: body}
	s.wg.Add(1)
	go s.accept()
	t.Cleanup(s.close)
	return s
}

func (s *h2Server) URL() string { return "https://" + s.ln.Addr().String() }

func (s *h2Server) received() []h2Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]h2Request(nil), s.requests...)
}

func (s *h2Server) close() {
	_ = s.ln.Close()
	s.mu.Lock()
	for _, c := range s.conns {
		_ = c.Close()
	}
	s.mu.Unlock()
	s.wg.Wait()
}

func (s *h2Server) accept() {
	defer s.wg.Done()
	for {
		c, err := s.ln.Accept()
		if err != nil {
			return
		}
		s.mu.Lock()
		s.conns = append(s.conns, c)
		s.mu.Unlock()
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			defer c.Close()
			s.serve(c)
		}()
	}
}

func writeFrame(w io.Writer, typ, flags byte, stream uint32, payload []byte) error {
	var h [9]byte
	h[0], h[1], h[2] = byte(len(payload)>>16), byte(len(payload)>>8), byte(len(payload))
	h[3], h[4] = typ, flags
	binary.BigEndian.PutUint32(h[5:], stream&0x7fffffff)
	if _, err := w.Write(h[:]); err != nil {
		return err
	}
	_, err := w.Write(payload)
	return err
}

// serve runs one connection: it answers SETTINGS and PING, collects each stream's DATA, and
// answers each complete request. Header blocks are not decoded: every request counts.
func (s *h2Server) serve(c net.Conn) {
	r := bufio.NewReader(c)
	preface := make([]byte, len(h2ClientPrefix))
	if _, err := io.ReadFull(r, preface); err != nil || string(preface) != h2ClientPrefix {
		return
	}
	if writeFrame(c, h2Settings, 0, 0, nil) != nil {
		return
	}
	bodies := map[uint32][]byte{}
	for {
		var h [9]byte
		if _, err := io.ReadFull(r, h[:]); err != nil {
			return
		}
		length := int(h[0])<<16 | int(h[1])<<8 | int(h[2])
		typ, flags := h[3], h[4]
		stream := binary.BigEndian.Uint32(h[5:]) & 0x7fffffff
		payload := make([]byte, length)
		if _, err := io.ReadFull(r, payload); err != nil {
			return
		}
		var complete, headersOnly bool
		switch typ {
		case h2Settings:
			if flags&h2FlagEnd == 0 && writeFrame(c, h2Settings, h2FlagEnd, 0, nil) != nil {
				return
			}
		case h2Ping:
			if flags&h2FlagEnd == 0 && writeFrame(c, h2Ping, h2FlagEnd, 0, payload) != nil {
				return
			}
		case h2GoAway:
			return
		case h2Headers:
			bodies[stream] = []byte{}
			complete, headersOnly = flags&h2FlagEnd != 0, true
		case h2Data:
			if flags&h2FlagPadded != 0 && len(payload) > 0 {
				pad := int(payload[0])
				payload = payload[1 : len(payload)-pad]
			}
			bodies[stream] = append(bodies[stream], payload...)
			complete = flags&h2FlagEnd != 0
		}
		if !complete {
			continue
		}
		s.mu.Lock()
		s.requests = append(s.requests, h2Request{body: bodies[stream], headersOnly: headersOnly})
		n := len(s.requests)
		s.mu.Unlock()
		delete(bodies, stream)
		if n <= s.resetFirst {
			var code [4]byte
			binary.BigEndian.PutUint32(code[:], h2ProtocolErr)
			if writeFrame(c, h2RSTStream, 0, stream, code[:]) != nil {
				return
			}
			continue
		}
		// HPACK: ":status: 200" is static entry 8; content-type (static name 31) as a literal
		// without indexing: 0x0f 0x10, then the value's length and bytes.
		block := append([]byte{0x88, 0x0f, 0x10, byte(len("application/json"))}, "application/json"...)
		if writeFrame(c, h2Headers, h2FlagHdrsEnd, stream, block) != nil ||
			writeFrame(c, h2Data, h2FlagEnd, stream, s.body) != nil {
			return
		}
	}
}

// h2Clients are the two ways a Client reaches an HTTP/2 server: the SDK's own default transport
// (HTTP/2 through ALPN), and a user's http.Transport with HTTP/2 switched on.
func h2Clients(t *testing.T, srv *h2Server) map[string]*Client {
	t.Helper()
	opts := []Option{WithBaseURL(srv.URL()), WithRetryMax(0)}
	def, err := NewClient("creem_test_h2", opts...)
	require.NoError(t, err)
	tr := def.http.HTTPClient.Transport.(*http.Transport)
	tr.TLSClientConfig = &tls.Config{RootCAs: srv.roots} // the default transport, trusting the test CA
	t.Cleanup(tr.CloseIdleConnections)

	userTr := &http.Transport{TLSClientConfig: &tls.Config{RootCAs: srv.roots}, ForceAttemptHTTP2: true}
	t.Cleanup(userTr.CloseIdleConnections)
	user, err := NewClient("creem_test_h2", append(opts, WithHTTPClient(&http.Client{Transport: userTr}))...)
	require.NoError(t, err)
	return map[string]*Client{"default transport": def, "user transport": user}
}

func TestHTTP2DoesNotReplayUnsafeWrites(t *testing.T) {
	refund := []byte(`{"id":"ref_1","object":"refund","status":"succeeded","refund_amount":1000}`)
	sub := []byte(`{"id":"sub_1","object":"subscription","status":"paused"}`)
	cases := []struct {
		name     string
		body     []byte
		call     func(ctx context.Context, c *Client) error
		wantBody string
	}{
		{"Transactions.Refund", refund, func(ctx context.Context, c *Client) error {
			_, err := c.Transactions.Refund(ctx, "tran_1")
			return err
		}, `{"transaction_id":"tran_1"}`},
		{"Subscriptions.Pause", sub, func(ctx context.Context, c *Client) error {
			_, err := c.Subscriptions.Pause(ctx, "sub_1")
			return err
		}, ""},
		{"Products.Archive", []byte(`{"id":"prod_1"}`), func(ctx context.Context, c *Client) error {
			_, err := c.Products.Archive(ctx, "prod_1")
			return err
		}, ""},
	}
	for _, tc := range cases {
		for _, transport := range []string{"default transport", "user transport"} {
			t.Run(tc.name+"/"+transport, func(t *testing.T) {
				srv := newH2Server(t, 1, tc.body)
				c := h2Clients(t, srv)[transport]
				err := tc.call(context.Background(), c)
				got := srv.received()
				require.Len(t, got, 1, "an unsafe write reached the server more than once")
				assert.Equal(t, tc.wantBody, string(got[0].body))
				// A bodyless write is sent with an empty DATA frame ending the stream: a request
				// without a body that the transport cannot resend (see newRequest).
				assert.False(t, got[0].headersOnly)
				require.Error(t, err, "the stream was reset; the caller must hear of it")
				assert.Contains(t, err.Error(), "PROTOCOL_ERROR")
			})
		}
	}
}

// The server in the test above can see a replay: a safe call is replayed by the transport after
// the same reset, and succeeds.
func TestHTTP2ReplaysSafeCalls(t *testing.T) {
	for _, transport := range []string{"default transport", "user transport"} {
		t.Run(transport, func(t *testing.T) {
			srv := newH2Server(t, 1, []byte(`{"id":"prod_1","object":"product","name":"P"}`))
			c := h2Clients(t, srv)[transport]
			p, err := c.Products.Get(context.Background(), "prod_1")
			require.NoError(t, err)
			assert.Equal(t, "P", p.Name)
			got := srv.received()
			require.Len(t, got, 2, "the read was replayed after the reset")
			assert.True(t, got[0].headersOnly, "a read has no body: its HEADERS end the stream")
		})
	}
	// An idempotency-keyed write is safe too: replayed with the same bytes.
	srv := newH2Server(t, 1, []byte(`{"id":"prod_1","object":"product","name":"P"}`))
	c := h2Clients(t, srv)["user transport"]
	_, err := c.Products.Create(context.Background(), &CreateProductParams{Name: "P", Price: Int64(100), Currency: CurrencyEUR, BillingType: BillingTypeOnetime})
	require.NoError(t, err)
	got := srv.received()
	require.Len(t, got, 2)
	assert.Equal(t, string(got[0].body), string(got[1].body))
}
