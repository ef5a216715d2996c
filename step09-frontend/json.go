package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/labstack/echo/v5"
)

// maxBody is the most a JSON body may hold, in bytes: three short fields
// need far less.
const maxBody = 4 << 10

// region readjson
// readJSON decodes the request's body, one JSON object, into dst, and
// refuses what dst does not describe: a field it has not, a value of the
// wrong type, a second value after the first, a body over maxBody bytes.
// Each refusal is a 4xx that says what was wrong, never a 500. Echo's own
// c.Bind would take unknown fields, and on a GET query parameters too.
func readJSON(c *echo.Context, dst any) error {
	body := http.MaxBytesReader(c.Response(), c.Request().Body, maxBody)
	dec := json.NewDecoder(body)
	dec.DisallowUnknownFields()
	err := dec.Decode(dst)
	if err == nil && dec.Decode(&struct{}{}) != io.EOF {
		err = errors.New("one value only")
	}
	if err != nil {
		return jsonError(err)
	}
	return nil
}

// endregion readjson

// jsonError turns what encoding/json says into words for the front end's
// developer, with the status that fits.
func jsonError(err error) error {
	var syntax *json.SyntaxError
	var wrongType *json.UnmarshalTypeError
	var tooBig *http.MaxBytesError
	msg := "The body must be one JSON object."
	switch {
	case errors.As(err, &tooBig):
		return echo.NewHTTPError(http.StatusRequestEntityTooLarge,
			fmt.Sprintf("The body is larger than %d bytes.", tooBig.Limit))
	case errors.Is(err, io.EOF):
		msg = "The body is empty: send one JSON object."
	case errors.As(err, &syntax):
		msg = fmt.Sprintf("The body is not valid JSON (at byte %d).", syntax.Offset)
	case errors.Is(err, io.ErrUnexpectedEOF):
		msg = "The body is not valid JSON: it ends too soon."
	case errors.As(err, &wrongType) && wrongType.Field != "":
		msg = fmt.Sprintf("The field %q must be a %s, not a %s.",
			wrongType.Field, jsonKind(wrongType.Type.Kind().String()), jsonKind(wrongType.Value))
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		// encoding/json has no type for this error: its text is all there is.
		msg = "The body has a field this API does not take: " +
			strings.TrimPrefix(err.Error(), "json: unknown field ") + "."
	}
	return echo.NewHTTPError(http.StatusBadRequest, msg).Wrap(err)
}

// jsonKind names a Go kind, or what encoding/json calls a JSON value, as
// JSON does.
func jsonKind(kind string) string {
	switch kind {
	case "bool":
		return "boolean"
	case "string", "array", "number":
		return kind
	case "struct", "map", "object":
		return "object"
	case "slice":
		return "array"
	}
	return "number"
}
