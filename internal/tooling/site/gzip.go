package site

import (
	"compress/gzip"
	"net/http"
	"strings"
)

// gzipWriter compresses an answer whose type is text (pages, styles, the
// script, the search index, SVG pictures) for a browser that accepts gzip.
// Pictures in PNG are compressed already and pass as they are.
type gzipWriter struct {
	http.ResponseWriter
	gz      *gzip.Writer
	decided bool
}

// compressible reports whether an answer of this type gains from gzip.
func compressible(contentType string) bool {
	t, _, _ := strings.Cut(contentType, ";")
	switch strings.TrimSpace(t) {
	case "text/html", "text/css", "text/javascript", "application/javascript",
		"application/json", "image/svg+xml", "text/plain":
		return true
	}
	return false
}

func (g *gzipWriter) WriteHeader(status int) {
	if !g.decided {
		g.decided = true
		h := g.Header()
		h.Add("Vary", "Accept-Encoding")
		plain := h.Get("Content-Encoding") == "" && h.Get("Content-Range") == ""
		if status == http.StatusOK && plain && compressible(h.Get("Content-Type")) {
			h.Set("Content-Encoding", "gzip")
			h.Del("Content-Length") // the compressed length is not known yet
			g.gz = gzip.NewWriter(g.ResponseWriter)
		}
	}
	g.ResponseWriter.WriteHeader(status)
}

func (g *gzipWriter) Write(b []byte) (int, error) {
	if !g.decided {
		if g.Header().Get("Content-Type") == "" {
			g.Header().Set("Content-Type", http.DetectContentType(b))
		}
		g.WriteHeader(http.StatusOK)
	}
	if g.gz != nil {
		return g.gz.Write(b)
	}
	return g.ResponseWriter.Write(b)
}

// close ends the compressed stream, if there is one.
func (g *gzipWriter) close() {
	if g.gz != nil {
		_ = g.gz.Close() // a failed write means the browser left
	}
}

// acceptsGzip reports whether the request accepts gzip. A HEAD asks for
// no body, and a Range for bytes of the file as it is: both pass as they are.
func acceptsGzip(r *http.Request) bool {
	if r.Method != http.MethodGet || r.Header.Get("Range") != "" {
		return false
	}
	for part := range strings.SplitSeq(r.Header.Get("Accept-Encoding"), ",") {
		enc, q, _ := strings.Cut(strings.TrimSpace(part), ";")
		if strings.TrimSpace(enc) == "gzip" && strings.ReplaceAll(q, " ", "") != "q=0" {
			return true
		}
	}
	return false
}
