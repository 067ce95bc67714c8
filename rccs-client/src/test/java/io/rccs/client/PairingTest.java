package io.rccs.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

import io.rccs.model.protocol.payload.PairCode;

class PairingTest {

    @Test
    void takesTheCodeAsTyped() {
        assertThat(Pairing.codeOf("ACDEFGHJ")).isEqualTo("ACDEFGHJ");
        assertThat(Pairing.codeOf(" acde-fghj ")).isEqualTo("ACDEFGHJ");
        assertThat(Pairing.codeOf("ACDE FGHJ")).isEqualTo("ACDEFGHJ");
    }

    @Test
    void takesTheCodeOutOfItsUri() {
        assertThat(Pairing.codeOf(PairCode.uriOf("ACDEFGHJ"))).isEqualTo("ACDEFGHJ");
        assertThat(Pairing.codeOf("RCCS://pair?x=1&code=ac34")).isEqualTo("AC34");
    }

    @Test
    void refusesWhatHoldsNoCode() {
        assertThatThrownBy(() -> Pairing.codeOf(" ")).hasMessageContaining("no pairing code");
        assertThatThrownBy(() -> Pairing.codeOf(null)).hasMessageContaining("no pairing code");
        assertThatThrownBy(() -> Pairing.codeOf("rccs://pair?other=1")).hasMessageContaining("no code");
        assertThatThrownBy(() -> Pairing.codeOf("ab/cd")).hasMessageContaining("not a pairing code");
        assertThatThrownBy(() -> Pairing.codeOf("rccs://pair?code=")).hasMessageContaining("not a pairing code");
    }
}
