package proxy

import (
	"bufio"
	"fmt"
	"html"
	"net/http"
	"strconv"
)

// page writes the router's own small HTML error pages. Everything taken from
// the request is escaped: the Host header is attacker-controlled.
func page(w http.ResponseWriter, status int, title, msg string) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	fmt.Fprint(w, pageBody(status, title, msg))
}

func pageBody(status int, title, msg string) string {
	return fmt.Sprintf("<!doctype html><title>%d %s</title><h1>%s</h1><p>%s</p>\n",
		status, html.EscapeString(title), html.EscapeString(title), html.EscapeString(msg))
}

// writePage is page for the fast path, which has no ResponseWriter.
func writePage(w *bufio.Writer, status int, title, msg string, headOnly bool) int64 {
	body := pageBody(status, title, msg)
	head := "HTTP/1.1 " + strconv.Itoa(status) + " " + http.StatusText(status) + "\r\n" +
		"Content-Type: text/html; charset=utf-8\r\nCache-Control: no-store\r\nX-Content-Type-Options: nosniff\r\n" +
		"Content-Length: " + strconv.Itoa(len(body)) + "\r\n\r\n"
	n, _ := w.WriteString(head)
	if !headOnly {
		m, _ := w.WriteString(body)
		n += m
	}
	return int64(n)
}
