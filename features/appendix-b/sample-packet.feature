@appendix-b @sample-packet @OBF-B.2.3
Feature: The draft's Application Server to device sample packet (OBF draft B.2.3)
  The draft's sample "complete enveloped message" is an ETSI TS 102 225 secured command packet carrying
  "#ip1 127.0.0.1 8080" with SPI 01 00: a CRC-32 redundancy check, no ciphering, no counter. The profile's
  security-level check shows which of the eight properties of B.2 such a packet cannot provide, and a
  conforming receiver refuses to act on it.

  @TP/OBF/PKT/SMP/BV-01
  Scenario: The sample decodes to "#ip1 127.0.0.1 8080" with a valid RC and passes the device's checksum
    Given device "A" with its Secure Element
    And the draft's sample command packet of B.2.3
    Then the command decodes with SPI "0100", KIc "15", KID "15", TAR "A00003" and counter "0000000000"
    And the command's RC is valid and its data is "#ip1 127.0.0.1 8080"
    When the network delivers the command to device "A"
    Then device "A" rejects the command at stage "secure-element" with status "6982"
    And device "A" has executed no command

  Scenario Outline: SPI 01 00 cannot provide <property> <direction> (B.2-<dir>-<n>), and the receiver refuses it
    Given device "A" with its Secure Element
    And the Application Server has imported the keys of device "A"
    When the profile's security-level check assesses SPI "0100" for the <dir> direction
    Then it reports property B.2-<dir>-<n> (<property>) as not provided
    And the <receiver> refuses an SPI 01 00 packet carrying "<text>"

    @OBF-B.2-down-1 @TP/OBF/PKT/SMP/BI-01
    Examples: server to device, identity
      | property | direction        | dir  | n | receiver | text                   |
      | identity | server to device | down | 1 | device   | #ip1 203.0.113.66 6666 |

    @OBF-B.2-down-2 @TP/OBF/PKT/SMP/BI-02
    Examples: server to device, integrity
      | property  | direction        | dir  | n | receiver | text                   |
      | integrity | server to device | down | 2 | device   | #ip1 203.0.113.66 6666 |

    @OBF-B.2-down-3 @TP/OBF/PKT/SMP/BI-03
    Examples: server to device, replay
      | property          | direction        | dir  | n | receiver | text                   |
      | replay protection | server to device | down | 3 | device   | #ip1 203.0.113.66 6666 |

    @OBF-B.2-down-4 @TP/OBF/PKT/SMP/BI-04
    Examples: server to device, confidentiality
      | property        | direction        | dir  | n | receiver | text                   |
      | confidentiality | server to device | down | 4 | device   | #ip1 203.0.113.66 6666 |

    @OBF-B.2-up-1 @TP/OBF/PKT/SMP/BI-05
    Examples: device to server, identity
      | property | direction        | dir | n | receiver           | text              |
      | identity | device to server | up  | 1 | Application Server | ALARM PANIC CLEAR |

    @OBF-B.2-up-2 @TP/OBF/PKT/SMP/BI-06
    Examples: device to server, integrity
      | property  | direction        | dir | n | receiver           | text              |
      | integrity | device to server | up  | 2 | Application Server | ALARM PANIC CLEAR |

    @OBF-B.2-up-3 @TP/OBF/PKT/SMP/BI-07
    Examples: device to server, replay
      | property          | direction        | dir | n | receiver           | text              |
      | replay protection | device to server | up  | 3 | Application Server | ALARM PANIC CLEAR |

    @OBF-B.2-up-4 @TP/OBF/PKT/SMP/BI-08
    Examples: device to server, confidentiality
      | property        | direction        | dir | n | receiver           | text              |
      | confidentiality | device to server | up  | 4 | Application Server | ALARM PANIC CLEAR |
