package kcid

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	_ "embed"
	"errors"
	"fmt"
	"io"
	"os"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/credentials/insecure"

	"github.com/kcid/kcid/clients/go/kcidpb"
)

// ServiceConfig is the gRPC service config every kcid client ships: a 5 s
// deadline per call, UNAVAILABLE retried everywhere and DEADLINE_EXCEEDED only
// on read methods. It is a byte-for-byte copy of clients/service_config.json
// (a test keeps the two equal).
//
//go:embed service_config.json
var ServiceConfig string

// Client holds one connection to a kcid tracking-server and a stub for each of its
// services. Every failed call made through these stubs returns an [*Error]; so does
// the Recv of a stream (StreamConversions, WatchClickVerifiers) that the server ends
// with an error (io.EOF stays io.EOF).
type Client struct {
	// Clicks is ClickService: IssueClick, IssueClicks, GetClick, InspectKcid, DeleteClick, and the
	// click verifiers an edge needs.
	Clicks kcidpb.ClickServiceClient
	// Conversions is ConversionService: RecordConversion(s), UpdateConversionStatus(es),
	// GetConversion, ListConversions, and the conversion event stream
	// (StreamConversions, AckConversionEvents; see [Client.StreamConversions]).
	Conversions kcidpb.ConversionServiceClient
	// Admin is AdminService: accounts, goals, API keys and GetCaller (see [Client.Caller]).
	Admin kcidpb.AdminServiceClient
	// Partners is PartnerService: CreatePartner, GetPartner, ListPartners (see
	// [Client.AllPartners]), UpdatePartner (see [Client.SetPartnerS2S]) and DeletePartner
	// (see [Client.DeletePartner]).
	Partners kcidpb.PartnerServiceClient
	// Reports is ReportService: GetStats, an account's clicks, conversions, values and
	// rates grouped by campaign, goal, sub id, hour or day.
	Reports kcidpb.ReportServiceClient
	// Diagnostics is DiagnosticsService: ListPostbacks (the postback log), ExplainClick
	// (everything known about one kcid) and ReplayPostbacks (re-run rejected postbacks).
	Diagnostics kcidpb.DiagnosticsServiceClient
	// Deliveries is DeliveryService: destinations (partner postbacks and signed webhooks,
	// see [Client.CreateWebhook] and [WebhookVerifier]), the delivery log ([Client.AllDeliveries])
	// and Redeliver ([Client.PreviewRedeliver]).
	Deliveries kcidpb.DeliveryServiceClient

	conn *grpc.ClientConn
}

// Conn is the underlying connection, e.g. for the grpc.health.v1 service.
func (c *Client) Conn() *grpc.ClientConn { return c.conn }

// Close closes the connection.
func (c *Client) Close() error { return c.conn.Close() }

type options struct {
	apiKey   string
	tls      bool
	caFile   string
	tlsConf  *tls.Config
	dialOpts []grpc.DialOption
}

// Option configures [Connect].
type Option func(*options)

// WithAPIKey sends "authorization: Bearer <key>" as metadata on every call.
func WithAPIKey(key string) Option { return func(o *options) { o.apiKey = key } }

// WithTLS uses TLS verified against the system roots.
func WithTLS() Option { return func(o *options) { o.tls = true } }

// WithCAFile uses TLS verified against the PEM certificates in path (instead of
// the system roots).
func WithCAFile(path string) Option {
	return func(o *options) { o.tls = true; o.caFile = path }
}

// WithTLSConfig uses TLS with the given configuration.
func WithTLSConfig(c *tls.Config) Option {
	return func(o *options) { o.tls = true; o.tlsConf = c }
}

// WithDialOptions adds grpc dial options (applied after the defaults).
func WithDialOptions(opts ...grpc.DialOption) Option {
	return func(o *options) { o.dialOpts = append(o.dialOpts, opts...) }
}

// Connect returns a client for the tracking-server at target (for example
// "localhost:9090" or "dns:///kcid.example:443"). Without [WithTLS],
// [WithCAFile] or [WithTLSConfig] the connection is plaintext. The connection
// is established lazily, on the first call.
func Connect(target string, opts ...Option) (*Client, error) {
	var o options
	for _, opt := range opts {
		opt(&o)
	}

	var creds credentials.TransportCredentials
	switch {
	case !o.tls:
		creds = insecure.NewCredentials()
	case o.tlsConf != nil:
		creds = credentials.NewTLS(o.tlsConf)
	case o.caFile != "":
		pem, err := os.ReadFile(o.caFile)
		if err != nil {
			return nil, fmt.Errorf("kcid: reading CA file: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("kcid: no PEM certificate in CA file %s", o.caFile)
		}
		creds = credentials.NewTLS(&tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12})
	default:
		creds = credentials.NewTLS(&tls.Config{MinVersion: tls.VersionTLS12}) // system roots
	}

	dial := []grpc.DialOption{
		grpc.WithTransportCredentials(creds),
		grpc.WithDefaultServiceConfig(ServiceConfig),
		grpc.WithUnaryInterceptor(errorInterceptor),
		grpc.WithStreamInterceptor(streamErrorInterceptor),
	}
	if o.apiKey != "" {
		dial = append(dial, grpc.WithPerRPCCredentials(bearer{key: o.apiKey, secure: o.tls}))
	}
	dial = append(dial, o.dialOpts...)

	conn, err := grpc.NewClient(target, dial...)
	if err != nil {
		return nil, fmt.Errorf("kcid: connecting to %s: %w", target, err)
	}
	return &Client{
		Clicks:      kcidpb.NewClickServiceClient(conn),
		Conversions: kcidpb.NewConversionServiceClient(conn),
		Admin:       kcidpb.NewAdminServiceClient(conn),
		Partners:    kcidpb.NewPartnerServiceClient(conn),
		Reports:     kcidpb.NewReportServiceClient(conn),
		Diagnostics: kcidpb.NewDiagnosticsServiceClient(conn),
		Deliveries:  kcidpb.NewDeliveryServiceClient(conn),
		conn:        conn,
	}, nil
}

// bearer sends the API key on every call. It is sent over plaintext too (not
// refused there), so that local setups (`./kcid up` on 127.0.0.1) work the same.
type bearer struct {
	key    string
	secure bool
}

func (b bearer) GetRequestMetadata(context.Context, ...string) (map[string]string, error) {
	return map[string]string{"authorization": "Bearer " + b.key}, nil
}

func (b bearer) RequireTransportSecurity() bool { return false }

// errorInterceptor turns every failed unary call into an *Error.
func errorInterceptor(ctx context.Context, method string, req, reply any,
	cc *grpc.ClientConn, invoker grpc.UnaryInvoker, opts ...grpc.CallOption) error {
	if err := invoker(ctx, method, req, reply, cc, opts...); err != nil {
		return FromError(err)
	}
	return nil
}

// streamErrorInterceptor makes the errors of a stream *Errors: the one that opening
// it returns and the one its Recv returns when the server ends it with a status.
func streamErrorInterceptor(ctx context.Context, desc *grpc.StreamDesc, cc *grpc.ClientConn,
	method string, streamer grpc.Streamer, opts ...grpc.CallOption) (grpc.ClientStream, error) {
	s, err := streamer(ctx, desc, cc, method, opts...)
	if err != nil {
		return nil, FromError(err)
	}
	return errorStream{s}, nil
}

type errorStream struct{ grpc.ClientStream }

func (s errorStream) RecvMsg(m any) error {
	err := s.ClientStream.RecvMsg(m)
	if err == nil || errors.Is(err, io.EOF) {
		return err
	}
	return FromError(err)
}
