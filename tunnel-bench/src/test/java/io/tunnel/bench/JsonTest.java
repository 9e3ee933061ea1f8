package io.tunnel.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class JsonTest {

    @Test
    void dottedKeysNestAndAValueThatIsAlsoAPrefixGoesUnderValue() {
        Map<String, Object> flat = new LinkedHashMap<>();
        flat.put("rate.direct.ok", "2000");
        flat.put("rate.direct", "x");
        flat.put("tp.a", "1");
        flat.put("tp.a.b", "2");
        assertThat(Json.toJson(Json.nest(flat), "")).isEqualTo("""
                {
                  "rate": {
                    "direct": {
                      "ok": 2000,
                      "_value": "x"
                    }
                  },
                  "tp": {
                    "a": {
                      "_value": 1,
                      "b": 2
                    }
                  }
                }""");
    }

    @Test
    void numbersBooleansAndStrings() {
        assertThat(Json.toJson(3.0, "")).isEqualTo("3");
        assertThat(Json.toJson(1234.56789012, "")).isEqualTo("1234.57");
        assertThat(Json.toJson(Double.NaN, "")).isEqualTo("null");
        assertThat(Json.toJson(7, "")).isEqualTo("7");
        assertThat(Json.toJson(true, "")).isEqualTo("true");
        assertThat(Json.toJson("false", "")).isEqualTo("false");
        assertThat(Json.toJson("-0.920", "")).isEqualTo("-0.920");
        assertThat(Json.toJson("1e5", "")).isEqualTo("1e5");
        assertThat(Json.toJson("007", "")).as("not a JSON number").isEqualTo("\"007\"");
        assertThat(Json.toJson("2 GiB", "")).isEqualTo("\"2 GiB\"");
        assertThat(Json.toJson(Map.of(), "")).isEqualTo("{}");
    }

    @Test
    void stringsAreEscaped() {
        assertThat(Json.quote("a\"b\\c\nd\te\u0001")).isEqualTo("\"a\\\"b\\\\c\\nd\\te\\u0001\"");
    }
}
